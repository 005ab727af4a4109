/// A problem with a dataset's files or contents, with a message a user can act on.
public struct DataError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
