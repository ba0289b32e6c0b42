"""Print parameter counts of the official SegMAN variants: `python -m segman.params`.

Counted as the official code counts (every nn.Parameter of encoder + decoder, BN affine included, the
stage-4 (heads, 49, 49) global bias included, BN running statistics and the RoPE buffer excluded).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import List, Optional

from torch import nn

from .network import build_segman
from .variants import CITYSCAPES_DECODER_CHANNELS

README_MILLIONS = {"T": 6.4, "S": 29.4, "B": 51.8, "L": 92.6}


@dataclass(frozen=True)
class Count:
    label: str
    encoder: int
    decoder: int

    @property
    def total(self) -> int:
        return self.encoder + self.decoder


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def count(variant: str, num_classes: int = 19, decoder_channels: Optional[int] = None) -> Count:
    model = build_segman(variant, num_classes=num_classes, decoder_channels=decoder_channels)
    label = f"{variant} ({num_classes} classes" + (f", decoder {decoder_channels} ch)" if decoder_channels else ")")
    return Count(label, _count(model.encoder), _count(model.decoder))


def official_counts() -> List[Count]:
    rows = [count(v) for v in ("T", "S", "B", "L")]
    rows.append(count("S", decoder_channels=CITYSCAPES_DECODER_CHANNELS["S"]))
    rows.append(count("T", num_classes=150))
    return rows


def main(argv: Optional[List[str]] = None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    print(f"{'model':<34}{'encoder':>10}{'decoder':>10}{'total':>10}{'README':>9}")
    for row in official_counts():
        readme = README_MILLIONS.get(row.label.split()[0]) if row.label.endswith("19 classes)") else None
        print(f"{row.label:<34}{row.encoder / 1e6:>9.2f}M{row.decoder / 1e6:>9.2f}M{row.total / 1e6:>9.2f}M"
              + (f"{readme:>8.1f}M" if readme else ""))
    print("S: the ADE20K/COCO configs use 144 decoder channels, the Cityscapes config 152.")
    print("T: the official Cityscapes config builds a 150-class head (the first 19 are the Cityscapes classes).")
    print("L: the code gives 92.31M against the README's 92.6M; the gap is unexplained (the L2 config would give 92.36M).")


if __name__ == "__main__":
    main()
