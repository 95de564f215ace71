"""The errors that end a command with one line naming the bad value (the CLI prints them without a traceback)."""


class ConfigError(ValueError):
    """A bad config key or value; the message is one line naming it."""


class UsageError(ValueError):
    """Bad user input that is not a config key (a prior named as new task, a missing model, ...)."""


class RunFailure(RuntimeError):
    """A run failed (training produced something no record may hold, or an exception); its folder says why."""


class RunBusy(RuntimeError):
    """The run folder cannot be used: another process works in it, or it cannot be written."""
