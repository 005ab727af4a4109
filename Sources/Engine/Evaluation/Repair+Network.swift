extension Repair {
    /// The statistics of every repaired layer of an MLP or a conv net, in order.
    public static func statistics(of network: Network, on inputs: Dataset.Split, parallelism: Parallelism) -> [Statistics] {
        switch network {
        case .mlp(let mlp): statistics(of: mlp, on: inputs, parallelism: parallelism)
        case .conv(let conv): statistics(of: conv, on: inputs, parallelism: parallelism)
        }
    }

    /// An MLP or a conv net REPAIRed toward `targets` (one per repaired layer), measured on `inputs`.
    ///
    /// - Precondition: `targets` come from a network of the same kind and shape.
    public static func repair(
        _ network: Network, toward targets: [Statistics], on inputs: Dataset.Split, parallelism: Parallelism
    ) -> Network {
        switch network {
        case .mlp(let mlp): .mlp(repair(mlp, toward: targets, on: inputs, parallelism: parallelism))
        case .conv(let conv): .conv(repair(conv, toward: targets, on: inputs, parallelism: parallelism))
        }
    }
}
