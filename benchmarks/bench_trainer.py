"""The live trainer's speed: training steps per second and redraws per second while playing.

``GANTrainer.play`` (what the Play button calls) starts each frame's steps on the device, draws
the previous frame meanwhile, and yields to the event loop. Here it plays for a few seconds on the
8-Gaussian ring and on a 1D mixture, with the default networks
(:data:`ganlab.widgets.trainer.TRAINER_CONFIG`), after two steps and a 2-second play that
compile everything and pass the first axis-limit changes (a student's first seconds of play
show those few slower frames): with
``auto_steps`` (the default: steps per frame chosen for ~12 frames a second) and with 100, 150 and 200
steps per frame fixed. Budget (printed, never asserted): >= 2,000 steps/s while redrawing >= 10
times a second on two CPU cores. Also printed: the milliseconds of the last frame's parts
(``wait``: waiting for the device) and the steps per frame it ended with.
"""

from __future__ import annotations

import asyncio
import time

from ganlab.widgets import GANTrainer

SECONDS = 4.0
WARM_UP = 2.0


async def _play(trainer: GANTrainer, seconds: float) -> tuple[int, int, float]:
    steps, frames = trainer.run.step, trainer.frames
    start = time.perf_counter()
    trainer.play()
    await asyncio.sleep(seconds)
    trainer.pause()
    await trainer.player.task
    elapsed = time.perf_counter() - start
    return trainer.run.step - steps, trainer.frames - frames, elapsed


def main():
    print(f"{'data':<10} {'steps/frame':>11} {'steps/s':>8} {'redraws/s':>9}   last frame (ms)")
    for data in ("ring", "two modes"):
        for per_frame in ("auto", 100, 150, 200):
            trainer = GANTrainer(data)
            trainer.step(200)  # compile the chunk and the views
            trainer.step(200)
            if per_frame != "auto":
                trainer.controls["steps_per_frame"].value = per_frame  # auto_steps goes off
            # Warm-up play: its first frames compile the views, settle auto_steps, and pass
            # the early axis limits (each new limit redraws the whole figure once).
            asyncio.run(_play(trainer, WARM_UP))
            steps, frames, elapsed = asyncio.run(_play(trainer, SECONDS))
            parts = ", ".join(f"{k} {v:.0f}" for k, v in trainer.last_timing.items())
            label = f"auto→{trainer.controls['steps_per_frame'].value}" \
                if per_frame == "auto" else per_frame
            print(f"{data:<10} {label:>11} {steps / elapsed:>8.0f} {frames / elapsed:>9.1f}"
                  f"   {parts}", flush=True)
            trainer.close()


if __name__ == "__main__":
    main()
