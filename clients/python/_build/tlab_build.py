"""PEP 517 build backend for tlab-client, standard library only.

The package is pure Python (src/tlab), so a wheel is a zip of those files plus the dist-info
metadata; no setuptools or index access is needed to build or install it.
"""

import base64
import hashlib
import os
import tarfile
import zipfile

NAME = "tlab_client"
DIST_NAME = "tlab-client"
VERSION = "0.1.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_DIR = os.path.join(ROOT, "src", "tlab")
TAG = "py3-none-any"


def _metadata():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {DIST_NAME}\n"
        f"Version: {VERSION}\n"
        "Summary: Report training runs (PyTorch, Keras, anything) to a Transfer Lab server\n"
        "License: MIT\n"
        "Requires-Python: >=3.9\n"
        "Description-Content-Type: text/markdown\n"
        "\n" + readme
    )


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _dist_info_files():
    dist_info = f"{NAME}-{VERSION}.dist-info"
    wheel = f"Wheel-Version: 1.0\nGenerator: tlab_build\nRoot-Is-Purelib: true\nTag: {TAG}\n"
    return dist_info, {
        f"{dist_info}/METADATA": _metadata().encode(),
        f"{dist_info}/WHEEL": wheel.encode(),
        f"{dist_info}/top_level.txt": b"tlab\n",
    }


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist_info, files = _dist_info_files()
    for path, data in files.items():
        target = os.path.join(metadata_directory, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
    return dist_info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel_name = f"{NAME}-{VERSION}-{TAG}.whl"
    dist_info, files = _dist_info_files()
    for name in sorted(os.listdir(PACKAGE_DIR)):
        if name.endswith(".py") or name == "py.typed":
            with open(os.path.join(PACKAGE_DIR, name), "rb") as f:
                files[f"tlab/{name}"] = f.read()
    record = [_record_line(path, data) for path, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(path, data)
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{VERSION}"
    name = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        for entry in ["pyproject.toml", "README.md", "_build", "src"]:
            tar.add(
                os.path.join(ROOT, entry),
                arcname=f"{base}/{entry}",
                filter=lambda info: None if "__pycache__" in info.name else info,
            )
    return name
