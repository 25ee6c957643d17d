"""LatentExplorer: sliders over a 2D code redraw the AE's and the VAE's decoded images."""

import numpy as np
import pytest

from ganlab import datasets
from ganlab.autoencoding import AEConfig, train_autoencoder
from ganlab.widgets import LatentExplorer


@pytest.fixture(scope="module")
def runs():
    images, labels = datasets.load("digits", "train")
    cfg = AEConfig(steps=300, hidden=(64,), chunk_size=300)
    ae = train_autoencoder(images, cfg.replace(kind="ae"), progress=False)
    vae = train_autoencoder(images, cfg.replace(kind="vae"), progress=False)
    return ae, vae, images, labels


@pytest.fixture()
def explorer(runs):
    ae, vae, images, labels = runs
    out = LatentExplorer(ae, vae, images[:400], labels[:400])
    yield out
    out.close()


def test_shows_image_numbers_and_two_sliders(explorer):
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    assert set(explorer.controls) == {"z1", "z2"}
    assert "nearest training code" in explorer.readout.value
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == \
        explorer.widget.model_id
    assert "LatentExplorer" in repr(explorer)


def test_moving_a_slider_changes_view_and_numbers(explorer, runs):
    ae, vae, *_ = runs
    before_png, before = bytes(explorer.image.value), dict(explorer.values)
    explorer.controls["z1"].value = explorer.low + 0.25 * (explorer.high - explorer.low)
    assert bytes(explorer.image.value) != before_png
    assert explorer.values["z1"] != before["z1"]
    assert explorer.values["ae_ink"] != before["ae_ink"]
    z = np.array([[explorer.values["z1"], explorer.values["z2"]]], np.float32)
    np.testing.assert_allclose(explorer.values["vae_ink"], float(np.mean(vae.decode(z))),
                               rtol=1e-5)
    np.testing.assert_allclose(explorer.values["prior_density"],
                               np.exp(-0.5 * np.sum(z**2)) / (2 * np.pi), rtol=1e-5)


def test_set_and_nearest_code(explorer):
    code = explorer.codes["ae"][7]
    explorer.set(z1=float(code[0]), z2=float(code[1]))
    assert explorer.values["ae_nearest_distance"] < 0.05
    with pytest.raises(ValueError, match="unknown control"):
        explorer.set(z3=0.0)
    with pytest.raises(ValueError, match="z1 must be a number from"):
        explorer.set(z1=explorer.high + 1.0)
    assert explorer.controls["z1"].value == pytest.approx(float(code[0]), abs=0.05)


def test_bad_runs_are_value_errors(runs):
    ae, vae, images, labels = runs
    with pytest.raises(ValueError, match="kind 'ae'"):
        LatentExplorer(vae, vae, images[:10], labels[:10])
    with pytest.raises(ValueError, match="one entry per image"):
        LatentExplorer(ae, vae, images[:10], labels[:5])
    with pytest.raises(ValueError, match="dpi must be a number from 40 to 200"):
        LatentExplorer(ae, vae, images[:10], labels[:10], dpi=5)
