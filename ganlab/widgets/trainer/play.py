"""Playing the live trainer: training and drawing overlapped, frame after frame.

Playing runs as an asyncio task on the kernel's event loop and yields between frames, so clicks
(pause) are handled while it plays. A frame is pipelined: it starts the next frame's steps on
the device (:meth:`GANRun.start_steps`, which does not wait), then draws the frame of the steps
before while the device trains, and checks their losses (a NaN stops playing at the bad step). A
frame thus costs max(training, drawing) rather than their sum. With ``auto_steps`` the steps per
frame follow the measured speed so that about 12 frames a second are drawn
(:meth:`PlayLoop.adapt`). In slow motion, playing narrates one iteration after another
(:mod:`ganlab.widgets.trainer.narration`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import numpy as np

from ganlab.training import TrainingDiverged
from ganlab.widgets.trainer.narration import narrated_update

__all__ = ["PlayLoop", "FRAME_SECONDS"]

FRAME_SECONDS = 1 / 12  # auto_steps aims at 12 frames a second (10 at the least)
MIN_STEPS, MAX_STEPS = 10, 2000  # steps per frame
AUTO_CHUNKS = 10  # auto_steps queues at most this many chunks per frame
STAGE_SECONDS = 0.7  # slow motion: the pause after each narrated stage


def _event_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class PlayLoop:
    """Plays a :class:`~ganlab.widgets.GANTrainer`: :meth:`play`, :meth:`pause`,
    :meth:`play_frames` (a fixed number of frames, at once), :meth:`step_slowly`.

    Attributes: ``playing``; ``task``, the asyncio task playing (or narrating), or None.
    """

    def __init__(self, trainer):
        self.trainer = trainer
        self.playing = False
        self.task = None
        self._pending = None  # (run, PendingSteps started for the next frame, not checked)
        self._frame_end = None  # when the last frame was drawn (perf_counter seconds)

    # ---- starting and stopping ---------------------------------------------------------------

    def play(self) -> None:
        """Play until :meth:`pause`, as a task on the running event loop (the notebook
        kernel's), so the kernel keeps answering."""
        loop = _event_loop()
        if loop is None:
            raise RuntimeError("play() needs a running event loop, as in a Jupyter kernel; "
                               "outside a notebook use step(n)")
        if self.playing:
            return
        self._start()
        self.task = loop.create_task(self._play())

    def pause(self) -> None:
        """Stop playing after the current frame (its steps are finished and drawn)."""
        self.playing = False
        self.trainer.play_button.disabled = False

    def play_frames(self, n: int) -> None:
        """Play ``n`` frames now, without an event loop, then stop as :meth:`pause` does: the
        same frames, in the same order, as playing draws between its yields to the kernel (in
        slow motion, ``n`` narrated stages, the last iteration finished)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be an integer >= 1, got {n!r}")
        if self.playing:
            raise RuntimeError("the trainer is playing; pause it first")
        self._start()
        frames = self._frames()
        for _ in range(n):
            if next(frames, None) is None:  # stopped: training diverged
                return
        self.pause()
        for _ in frames:  # the steps started for the next frame, or the iteration under way
            pass

    def step_slowly(self) -> None:
        """One narrated iteration, a stage every 0.7 s, as a task on the running event loop
        (all at once without one); nothing while playing or narrating."""
        loop = _event_loop()
        if loop is None:
            self.trainer.narrate_step()
        elif not self.playing and (self.task is None or self.task.done()):
            self.task = loop.create_task(self._narrate())

    def _start(self) -> None:
        self.playing = True
        self.trainer.play_button.disabled = True

    async def _play(self):
        for seconds in self._frames():
            await asyncio.sleep(seconds)  # let the kernel handle clicks and messages

    async def _narrate(self):
        for _ in narrated_update(self.trainer):
            await asyncio.sleep(STAGE_SECONDS)

    # ---- frames ----------------------------------------------------------------------------

    def _frames(self) -> Iterator[float]:
        """The play loop: each ``next`` plays one frame (or one slow-motion stage) and yields
        the seconds to wait before the next. Once paused it finishes and draws the steps
        started for the next frame. A NaN stops it (``trainer.diverged`` says where)."""
        trainer = self.trainer
        trainer.diverged, self._frame_end = None, None
        try:
            while self.playing:
                if trainer.controls["slow_motion"].value:
                    for _ in narrated_update(trainer):
                        yield STAGE_SECONDS
                else:
                    self._frame()
                    yield 0.0
            if self._pending is not None:
                trainer.redraw()
        except TrainingDiverged as error:  # the run is back at its last good state
            trainer.diverged = error
            trainer.narration.value = f"<b>stopped</b>: {error}"
            trainer.redraw()
        finally:
            self.pause()

    def settle(self) -> None:
        """Finish the steps that playing started and has not checked yet."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is self.trainer.run:
            self.trainer.run.collect_steps(pending[1])

    def _frame(self) -> None:
        """One pipelined frame: the steps started last frame (or now, at the first) are drawn
        while the next frame's steps train on the device; then the frame's period and drawing
        time adjust the next frame's steps (``auto_steps``)."""
        trainer = self.trainer
        run = trainer.run
        pending = self._pending[1] if self._pending and self._pending[0] is run else None
        self._pending = None
        n = int(trainer.controls["steps_per_frame"].value)
        if pending is None:
            pending = run.start_steps(n)
        views = trainer.views.numbers(run, pending.after)  # queued before the next steps
        start = time.perf_counter()  # starting steps may wait for the device too
        following = run.start_steps(n)
        run.collect_steps(pending)  # waits for the device; a NaN raises TrainingDiverged
        self._pending = (run, following)
        numbers = tuple(np.asarray(a) for a in views)
        drawn = time.perf_counter()
        trainer.last_timing = {"wait": 1e3 * (drawn - start)}
        trainer.redraw(numbers, step=pending.start + pending.steps)
        now = time.perf_counter()
        period, self._frame_end = (None if self._frame_end is None else now - self._frame_end,
                                   now)
        # A frame that redrew the whole figure (new axis limits) says nothing of the pace.
        if (period is not None and trainer.controls["auto_steps"].value
                and not trainer.plot.background_drawn):
            self.adapt(pending.steps, period, drawn - start)

    def adapt(self, steps: int, period: float, wait: float) -> None:
        """Next frame's steps from the last frame's: ``steps`` in ``period`` seconds, of which
        the host spent ``wait`` starting steps and waiting for them. When that took a good
        part of the frame, training set the pace: take as many steps as the device trains in
        max(a frame's budget, the host's own time). Otherwise the device had time to spare:
        while frames come faster than 1.2 budgets, as many steps as fit the budget and at least
        one chunk more; else the host's drawing sets the pace and the steps stay. Whole chunks
        (tens below one chunk), at most ``AUTO_CHUNKS`` chunks."""
        chunk = self.trainer.run.config.chunk_size
        if wait > 0.25 * period:
            target = steps * max(FRAME_SECONDS, period - wait) / period
        elif period < 1.2 * FRAME_SECONDS:  # frames to spare: try one chunk more
            target = max(steps * FRAME_SECONDS / period, steps + chunk)
        else:  # the host's drawing sets the pace and the device keeps up: stay
            target = steps
        target = min(target, AUTO_CHUNKS * chunk)
        quantum = chunk if target >= chunk else 10
        target = int(min(max(round(target / quantum) * quantum, MIN_STEPS), MAX_STEPS))
        with self.trainer._held():  # not the user's choice: auto_steps stays on
            self.trainer.controls["steps_per_frame"].value = target
