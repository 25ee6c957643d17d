import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("HYPOTHESIS_PROFILE", "ganlab")

from hypothesis import settings  # noqa: E402

settings.register_profile("ganlab", deadline=None, max_examples=60)
settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
