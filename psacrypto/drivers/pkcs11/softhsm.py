"""A SoftHSM2 token in a directory of its own: for tests, benchmarks and examples.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the library is first initialised in a
process, so :func:`create_token` sets it (for this process and its children)
before anything loads the library; later tokens must go in the same directory.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
from dataclasses import dataclass

#: Where distributions install the SoftHSM2 PKCS#11 module.
LIBRARY_PATHS = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
)


def find_library() -> str | None:
    """The SoftHSM2 module, or None when SoftHSM2 is not installed."""
    explicit = os.environ.get("SOFTHSM2_LIB")
    if explicit and os.path.exists(explicit):
        return explicit
    for path in LIBRARY_PATHS:
        if os.path.exists(path):
            return path
    return None


def unavailable_reason() -> str | None:
    """Why SoftHSM2 tokens cannot be made here (None: they can)."""
    if find_library() is None:
        return "SoftHSM2 is not installed (Debian package softhsm2; .ci/system-deps installs it)"
    if shutil.which("softhsm2-util") is None:
        return "softhsm2-util is not on PATH"
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        return "python-pkcs11 is not installed (pip install python-pkcs11)"
    return None


@dataclass
class SoftHsmToken:
    library: str
    directory: pathlib.Path
    label: str
    pin: str
    so_pin: str

    def token_dir(self) -> pathlib.Path:
        """The token's own directory (moving it away makes the token unreachable)."""
        for child in (self.directory / "tokens").iterdir():
            info = child / "token.object"
            if info.exists() and self.label.encode() in info.read_bytes():
                return child
        raise FileNotFoundError(self.label)


def configure(directory: str | os.PathLike[str]) -> pathlib.Path:
    """Write a SoftHSM2 configuration for ``directory`` and point
    ``SOFTHSM2_CONF`` at it; returns the configuration file."""
    root = pathlib.Path(directory)
    (root / "tokens").mkdir(parents=True, exist_ok=True)
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
        "slots.removable = false\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    return conf


def create_token(
    directory: str | os.PathLike[str],
    label: str = "psa",
    *,
    pin: str = "1234",
    so_pin: str = "123456",
) -> SoftHsmToken:
    """Initialise a token ``label`` in ``directory`` (configured on first use)."""
    library = find_library()
    if library is None:
        raise FileNotFoundError("SoftHSM2 is not installed")
    root = pathlib.Path(directory)
    conf = root / "softhsm2.conf"
    if not conf.exists():
        configure(root)
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label,
         "--pin", pin, "--so-pin", so_pin],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return SoftHsmToken(library, root, label, pin, so_pin)


_SHARED: dict[str, SoftHsmToken] = {}
#: labels of the tokens :func:`shared_token` makes (all at once: SoftHSM2 sees the
#: tokens present when the library is initialised)
SHARED_LABELS = ("psa", "psa-down", "psa-bench")


def shared_token(label: str = "psa") -> SoftHsmToken:
    """A token of this process's shared SoftHSM2 directory (made on first use, in
    a temporary directory removed at exit)."""
    if not _SHARED:
        import atexit
        import tempfile

        root = pathlib.Path(tempfile.mkdtemp(prefix="psacrypto-softhsm-"))
        atexit.register(shutil.rmtree, root, True)
        configure(root)
        for name in SHARED_LABELS:
            _SHARED[name] = create_token(root, name)
    return _SHARED[label]
