import torch

from segman.evaluate import torch_predictor


def test_flip_averaging_adds_the_mirrored_frames_logits_mirrored_back():
    class RampModel(torch.nn.Module):
        """Class 1's logit falls from 1 at the left edge to -3 at the right; class 0's is 0."""

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            ramp = torch.linspace(1.0, -3.0, images.shape[-1]).expand(images.shape[0], 1, *images.shape[-2:])
            return torch.cat([torch.zeros_like(ramp), ramp], dim=1)

    frames = torch.zeros(1, 3, 4, 8)
    plain = torch_predictor(RampModel(), torch.device("cpu"))(frames)
    flipped = torch_predictor(RampModel(), torch.device("cpu"), flip=True)(frames)
    assert plain[0, 0].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]
    # The ramp plus its mirror image is -2 everywhere: class 0 wins on every pixel.
    assert flipped[0, 0].tolist() == [0] * 8
