/// The shape of one example: channels × height × width (stored height × width × channels, channel-last).
public struct ImageShape: Sendable, Hashable, Codable {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Values per example.
    public var features: Int { channels * height * width }
}
