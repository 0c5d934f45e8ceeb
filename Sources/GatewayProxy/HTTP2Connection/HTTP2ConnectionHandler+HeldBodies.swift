/// Credit withheld from streams holding whole bodies (`HTTP2ConnectionStateMachine.mayCredit`).
extension HTTP2ConnectionHandler {
    /// A held body was released: the streams refused credit for it try again, oldest first.
    func creditWithheldHeldBodies() {
        guard self.heldBodyCreditWithheld else { return }
        self.heldBodyCreditWithheld = false
        for streamID in self.streams.keys { self.credit(streamID) }
        self.flushSoon()
    }
}
