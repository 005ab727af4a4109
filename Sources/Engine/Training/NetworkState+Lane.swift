extension NetworkState {
    /// The scratch memory of one thread's part of a pass: used by that thread alone while the pass runs.
    final class Lane {
        let scratch = ScratchBuffer()
        let convolution = Convolution.Workspace()
    }
}
