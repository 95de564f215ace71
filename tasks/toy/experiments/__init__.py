"""The toy track's experiment, apart from its tasks: the reproduction of RL's Razor's ParityMNIST experiment
(`reproduce`, run by `razorbench reproduce toy`). It is a client of launch and analysis; the task modules beside
this folder import the api layer only."""
