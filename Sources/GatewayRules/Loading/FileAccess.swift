import Foundation

/// Resolves the paths a rules file names and checks or reads those files.
///
/// Relative paths are relative to the rules file's folder (SPEC §2); resolved paths are absolute
/// and lexically normalised, so a reload from another working directory finds the same files.
/// Foundation is used here only to touch the file system.
struct FileAccess {
    /// Absolute folder of the rules file.
    let baseDirectory: String

    /// Resolves against the folder of `rulesPath` (itself relative to the working directory).
    init(rulesPath: String) {
        let absolute = Self.absolute(rulesPath, relativeTo: FileManager.default.currentDirectoryPath)
        self.baseDirectory = Self.directory(of: absolute)
    }

    /// `path` made absolute against the rules file's folder.
    func resolve(_ path: String) -> String {
        Self.absolute(path, relativeTo: self.baseDirectory)
    }

    /// Nil when `path` (resolved) is a readable regular file, else why not.
    func problemReading(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a folder, not a file" }
        guard FileManager.default.isReadableFile(atPath: path) else { return "permission denied" }
        return nil
    }

    /// Nil when a file can be created at `path` (its folder exists and is not a file), else why not.
    func problemCreating(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? "is a folder, not a file" : nil
        }
        let folder = Self.directory(of: path)
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "folder \"\(folder)\" does not exist"
        }
        return nil
    }

    /// The bytes of the file at `path` (resolved), or why they cannot be read.
    func read(_ path: String) -> Result<[UInt8], FileProblem> {
        if let problem = self.problemReading(path) { return .failure(FileProblem(reason: problem)) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(FileProblem(reason: "could not be read"))
        }
        return .success([UInt8](data))
    }

    /// Why a file could not be used, as a short phrase ("no such file").
    struct FileProblem: Error {
        var reason: String
    }

    // MARK: Path arithmetic

    /// `path` if absolute, else `base/path`, normalised.
    static func absolute(_ path: String, relativeTo base: String) -> String {
        self.normalised(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// Everything before the last `/` ("/" for a file at the root).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Removes empty and `.` segments and resolves `..` lexically (an absolute path stays under `/`).
    static func normalised(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/") {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        return "/" + segments.joined(separator: "/")
    }
}
