"""The errors that end a command with one line naming the bad value (the CLI prints them without a traceback)."""


class ConfigError(ValueError):
    """A bad config key or value; the message is one line naming it."""


class UsageError(ValueError):
    """Bad user input that is not a config key (a prior named as new task, a missing model, ...)."""


class RunFailure(RuntimeError):
    """A run failed (training produced something no record may hold, or an exception); its folder says why."""


class RunBusy(RuntimeError):
    """The run folder cannot be used: another process works in it, or it cannot be written."""


class RunInterrupted(BaseException):
    """The process was asked to stop (SIGTERM: `timeout`, a scheduler's preemption or time limit). A BaseException,
    as KeyboardInterrupt is: no `except Exception` takes it for a failure, and every `finally` on the way out runs,
    so the run folder records where the run resumes from and its lock is released."""
