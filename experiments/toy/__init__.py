"""The toy track's experiment: the reproduction of RL's Razor's ParityMNIST experiment (`reproduce`, run by
`razorbench reproduce toy` from the repository's root)."""
