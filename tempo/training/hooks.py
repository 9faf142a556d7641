"""mmengine hooks every tempo training run can use (configs list them in ``custom_hooks``)."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module(name="TempoSafeCheckpointHook")
class SafeCheckpointHook(Hook):
    """Stores the message hub's log buffers as plain lists in checkpoints (mmengine pickles them with bound
    methods, which only an unsafe ``getattr`` allow-list could load) and rebuilds them on load."""

    priority = "VERY_LOW"

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        scalars = checkpoint.get("message_hub", {}).get("log_scalars", {})
        for key, buf in list(scalars.items()):
            if hasattr(buf, "data"):
                log, count = buf.data
                scalars[key] = {"log_history": [float(v) for v in log], "count_history": [int(c) for c in count],
                                "max_length": int(buf.max_length)}

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        from mmengine.logging.history_buffer import HistoryBuffer

        scalars = checkpoint.get("message_hub", {}).get("log_scalars", {})
        for key, value in list(scalars.items()):
            if isinstance(value, dict) and "log_history" in value:
                scalars[key] = HistoryBuffer(value["log_history"], value["count_history"], value["max_length"])


@HOOKS.register_module(name="TempoTimeLimitHook")
class TimeLimitHook(Hook):
    """Stop an iteration-based run after ``seconds`` of training (a CPU budget), so tools/train.py still
    exports the weights; mmengine's loops only know iteration counts."""

    def __init__(self, seconds: float | None = None):
        self.seconds = None if seconds is None else float(seconds)
        self._start = None

    def before_train(self, runner) -> None:
        import time

        self._start = time.monotonic()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        import time

        if self.seconds is not None and self._start is not None and time.monotonic() - self._start > self.seconds:
            runner.train_loop.stop_training = True
