"""Flax NNX networks: fully connected (:mod:`ganlab.models.mlp`) and convolutional
(:mod:`ganlab.models.conv`) building blocks, generators and discriminators."""

from __future__ import annotations

from ganlab.models.autoencoders import VAE, AutoEncoder, reparameterize
from ganlab.models.conv import ConvDecoder, ConvEncoder
from ganlab.models.image_gan import ImageDiscriminator, ImageGenerator, label_planes, with_labels
from ganlab.models.mlp import (
    ACTIVATIONS,
    MLP,
    DataScale,
    Discriminator,
    Generator,
    activation_fn,
    check_hidden,
)

__all__ = [
    "ACTIVATIONS", "MLP", "Generator", "Discriminator", "DataScale", "check_hidden",
    "activation_fn", "ConvEncoder", "ConvDecoder", "AutoEncoder", "VAE", "reparameterize",
    "ImageGenerator", "ImageDiscriminator", "label_planes", "with_labels",
]
