import Testing

@testable import GatewayCredentials

@Suite struct RevocationListTests {
    @Test func oneJTIPerLineCommentsAndBlanksIgnored() {
        let list = RevocationList(
            text: """
                # revoked after the 2026-03 incident
                jti-1
                  jti-2\t
                \r
                    # indented comment
                jti-3\r
                jti#4

                """
        )
        #expect(list.count == 4)
        for jti in ["jti-1", "jti-2", "jti-3", "jti#4"] { #expect(list.contains(jti), "\(jti)") }
        #expect(!list.contains("# revoked after the 2026-03 incident"))
        #expect(!list.contains("jti"))
        #expect(!list.contains(""))
    }

    @Test func readsTheFile() throws {
        let directory = TestDirectory()
        let path = directory.write("revoked.txt", "a\nb\n")
        let list = try RevocationList(contentsOfFile: path)
        #expect(list.contains("a") && list.contains("b") && !list.contains("c"))
        do {
            _ = try RevocationList(contentsOfFile: directory.path + "/missing.txt")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.problems.first?.keyPath == "jwt.revoked_file")
        }
    }
}
