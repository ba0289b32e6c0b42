import pytest
import torch

from segman.checkpoint import (build_from_checkpoint, load_checkpoint, official_to_ours, ours_to_official,
                               to_official_state_dict)
from segman.network import build_segman


def _perturbed(variant: str, **kwargs):
    torch.manual_seed(1)
    model = build_segman(variant, **kwargs).eval()
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point() and not name.endswith("angle"):
                tensor.add_(torch.rand_like(tensor) * 0.1)
    return model


def test_official_key_names_follow_the_published_layout():
    keys = set(to_official_state_dict(build_segman("B")))
    for key in ["backbone.patch_embed.0.weight", "backbone.patch_embed.10.running_var",
                "backbone.layers.0.rope.angle", "backbone.layers.1.0.weight", "backbone.layers.5.1.weight",
                "backbone.layers.4.blocks.17.token_mixer.ssm.x_proj_weight",
                "backbone.layers.2.blocks.0.token_mixer.dwconv.1.running_mean",
                "backbone.layers.0.blocks.0.token_mixer.norm.weight", "backbone.layers.0.blocks.0.token_mixer.rpb.0",
                "backbone.layers.6.blocks.3.token_mixer.rpb.1", "backbone.layers.6.blocks.3.layer_scale2.weight",
                "decode_head.linear_c4.proj.weight", "decode_head.linear_fuse.bn.weight",
                "decode_head.image_pool.1.conv.weight", "decode_head.reduce_channels.2.conv.weight",
                "decode_head.vssm.token_mixer.A_logs", "decode_head.vssm.mlp.fc2.bias", "decode_head.cat.conv.weight",
                "decode_head.conv_downsample_4.conv.weight", "decode_head.conv_seg.weight"]:
        assert key in keys, key
    assert not any("ssm" in k for k in keys if k.startswith("backbone.layers.6."))
    assert len(keys) == len(build_segman("B").state_dict())


def test_mapping_is_a_bijection():
    keys = list(build_segman("T").state_dict())
    official = [ours_to_official(k) for k in keys]
    assert len(set(official)) == len(keys)
    assert [official_to_ours(k) for k in official] == keys
    for unknown in ["backbone.stem.0.weight", "backbone.layers.1.2.weight", "decode_head.head.weight"]:
        with pytest.raises(KeyError):
            official_to_ours(unknown)


def test_mmcv_checkpoint_round_trip(tmp_path):
    source = _perturbed("nano", num_classes=7)
    path = tmp_path / "segman_nano.pth"
    torch.save({"meta": {"CLASSES": list(range(7))}, "state_dict": to_official_state_dict(source),
                "optimizer": {}}, path)
    loaded, report = build_from_checkpoint(str(path))
    assert report.ok and report.loaded == len(source.state_dict())
    assert loaded.variant.num_classes == 7
    image = torch.randn(1, 3, 128, 160)
    with torch.no_grad():
        assert torch.equal(source(image), loaded.eval()(image))


def test_strict_loading_reports_missing_and_unexpected():
    state = to_official_state_dict(_perturbed("nano"))
    state["backbone.layers.0.blocks.0.token_mixer.extra"] = torch.zeros(1)
    del state["decode_head.conv_seg.bias"]
    with pytest.raises(ValueError) as error:
        load_checkpoint(build_segman("nano"), {"state_dict": state})
    assert "missing: decoder.classifier.bias" in str(error.value)
    assert "unexpected: backbone.layers.0.blocks.0.token_mixer.extra" in str(error.value)
    report = load_checkpoint(build_segman("nano"), {"state_dict": state}, strict=False)
    assert report.missing == ["decoder.classifier.bias"]


def test_timm_encoder_checkpoint_uses_ema_and_ignores_classifier():
    source = _perturbed("nano")
    encoder = {k[len("backbone."):]: v for k, v in to_official_state_dict(source).items() if k.startswith("backbone.")}
    encoder["classifier.0.weight"] = torch.zeros(4, 64, 1, 1)
    noisy = {k: v + 1 for k, v in encoder.items()}
    target = build_segman("nano")
    report = load_checkpoint(target, {"state_dict": noisy, "state_dict_ema": encoder})
    assert report.ok and report.ignored == ["backbone.classifier.0.weight"]
    assert torch.equal(target.encoder.stages[0].blocks[0].mixer.qkv.weight,
                       source.encoder.stages[0].blocks[0].mixer.qkv.weight)


def test_150_class_head_truncated_to_cityscapes():
    source = _perturbed("nano", num_classes=150)
    model, _ = build_from_checkpoint({"state_dict": to_official_state_dict(source)}, keep_classes=19)
    image = torch.randn(1, 3, 128, 160)
    with torch.no_grad():
        assert torch.equal(model.eval()(image), source(image)[:, :19])


def test_wrong_variant_is_refused():
    with pytest.raises(ValueError, match="SegMAN-nano, not SegMAN-T"):
        build_from_checkpoint({"state_dict": to_official_state_dict(build_segman("nano"))}, variant="T")


@pytest.mark.parametrize("name", ["T-slim", "T-slim4", "T-slim2", "T-mid4"])
def test_variants_sharing_the_encoder_are_told_apart_by_their_decoder(name):
    source = build_segman(name)
    model, _ = build_from_checkpoint(source.state_dict())
    assert model.variant.name == name
