"""What contributors subclass or call: `task.Task` (examples, checker, prior scorer), `policy.Policy` (a causal LM
and its tokenizer), `track.Track` (a base model, its loader and tasks), `sampler.Sampler` (the interface every
sampler serves), `method.RazorModule` (the LightningModule every method subclasses) with `offline`'s bases for
data drawn once from π0, `checker.BoundedChecker` (a task's checker over a batch, each response in bounded time),
and `registry` (tracks, tasks and methods by name; entry points)."""
