"""The live trainer's speed: training steps per second and redraws per second while playing.

``GANTrainer`` plays by training ``steps_per_frame`` steps, redrawing, and yielding to the event
loop. Here that loop runs for a few seconds on the 8-Gaussian ring and on a 1D mixture, with the
default networks (:data:`ganlab.widgets.trainer.TRAINER_CONFIG`), after a warm-up that compiles
everything. Budget (printed, never asserted): >= 2,000 steps/s while redrawing >= 10 times a
second on two CPU cores. Also printed: the milliseconds of one frame's parts.
"""

from __future__ import annotations

import asyncio
import time

from ganlab.widgets import GANTrainer

SECONDS = 4.0


async def _play(trainer: GANTrainer, seconds: float) -> tuple[int, int, float]:
    steps, frames = trainer.run.step, trainer.frames
    start = time.perf_counter()
    trainer.play()
    await asyncio.sleep(seconds)
    trainer.pause()
    await trainer._task
    elapsed = time.perf_counter() - start
    return trainer.run.step - steps, trainer.frames - frames, elapsed


def main():
    print(f"{'data':<10} {'steps/frame':>11} {'steps/s':>8} {'redraws/s':>9}   one frame (ms)")
    for data in ("ring", "two modes"):
        for per_frame in (100, 200):
            trainer = GANTrainer(data)
            trainer.controls["steps_per_frame"].value = per_frame
            trainer.step(per_frame)  # compile the chunk and the views
            trainer.step(per_frame)
            steps, frames, elapsed = asyncio.run(_play(trainer, SECONDS))
            parts = ", ".join(f"{k} {v:.0f}" for k, v in trainer.last_timing.items())
            print(f"{data:<10} {per_frame:>11} {steps / elapsed:>8.0f} {frames / elapsed:>9.1f}"
                  f"   {parts}", flush=True)
            trainer.close()


if __name__ == "__main__":
    main()
