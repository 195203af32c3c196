"""The service's TOML configuration."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from psacrypto.remote.config import config_from_dict, hash_token, load_config
from psacrypto.remote.testing import to_toml

ROOT = Path(__file__).resolve().parent.parent


def test_documented_example_loads() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    example = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert example is not None
    cfg = config_from_dict(tomllib.loads(example.group(1)))
    assert cfg.listen[1] == "tls://0.0.0.0:7750"
    assert cfg.unix_users == {1000: "alice", 1001: "build-bot"}
    assert cfg.tokens == {"ci": hash_token("test")}
    assert cfg.tls is not None and cfg.tls.client_ca
    assert (cfg.quota_keys, cfg.quota_storage_bytes, cfg.quota_operations) == (1000, 10485760, 256)
    assert cfg.socket_mode == 0o666 and cfg.admins == ["unix:root"]


def test_defaults_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("")
    cfg = load_config(path)
    assert cfg.listen[0].startswith("unix://") and cfg.auth_unix and cfg.max_body == 4 << 20
    with pytest.raises(ValueError, match="unknown setting"):
        config_from_dict({"limits": {"max_bdoy": 1}})
    with pytest.raises(ValueError, match="unknown setting"):
        config_from_dict({"auth": {"unix": {"user": {}}}})
    with pytest.raises(ValueError, match="64 hex"):
        config_from_dict({"auth": {"token": {"clients": {"x": {"sha256": "abc"}}}}})
    with pytest.raises(ValueError, match="max_body"):
        config_from_dict({"limits": {"max_body": 1 << 30}})
    # a clear-text token in the file is hashed on load
    cfg = config_from_dict({"auth": {"token": {"clients": {"x": "secret"}}}})
    assert cfg.tokens == {"x": hash_token("secret")}


def test_toml_writer_round_trip() -> None:
    data = {
        "admins": ["a"],
        "server": {"listen": ["unix:///x"]},
        "auth": {"unix": {"users": {"1": "a"}}},
    }
    assert tomllib.loads(to_toml(data)) == data
