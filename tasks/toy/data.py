"""The toy track's data: MNIST digits and Fashion-MNIST clothes, one table of images, split by a hash of each id.

Sources:
- with `task.data_dir` (`--data-dir`): the IDX files of the two test sets, `DIR/mnist/t10k-images-idx3-ubyte[.gz]`
  + `t10k-labels-idx1-ubyte[.gz]` and the same under `DIR/fashion_mnist/`, in LeCun et al.'s IDX format (which
  Fashion-MNIST keeps). Whatever count the headers give is used: razorbench's shared copy holds all 10,000 MNIST
  test images but only the first 4,443 of Fashion-MNIST's.
- without: the hub datasets `ylecun/mnist` and `zalando-datasets/fashion_mnist`, split `test`, with `datasets`.
  These are the same images as the IDX test files, in the same order, so both sources name an image alike. The
  toy needs about ten thousand images (its base model is pretrained on 500 per task, as in RL's Razor), so the
  60,000-image training sets are not read.

An image's id is its dataset and index in that test set (`mnist-00042`, `fashion-00007`). Its split comes from
its id alone: bucket = sha256(id) mod 1000, cut by `SPLITS`. A split therefore never depends on what else a
source holds: the 4,443 local Fashion images fall exactly where they fall among the hub's 10,000, and the base
model shipped in the package (pretrained on the local copies' `pretrain` split) has seen no `train` or `eval`
image of either source. Sizes on the shared copies: MNIST 477 pretrain / 939 eval / 8,584 train; Fashion 481
pretrain / 992 eval (its `train` rest, 2,970, is unused: Fashion is only a prior).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATASETS = ("mnist", "fashion")  # row order of the table: MNIST images first, then Fashion
LOCAL_FOLDERS = {"mnist": "mnist", "fashion": "fashion_mnist"}
HUB_DATASETS = {"mnist": "ylecun/mnist", "fashion": "zalando-datasets/fashion_mnist"}
TASK_BITS = {"mnist": 1.0, "fashion": -1.0}  # the input's task indicator: +1 parity, −1 Fashion (the paper's)
# Per-mille bucket ranges, in order; the rest of the 1000 is `train`.
SPLITS = {"mnist": (("pretrain", 50), ("eval", 100)), "fashion": (("pretrain", 112), ("eval", 225))}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot")


def parse_idx(raw: bytes) -> np.ndarray:
    """An unsigned-byte IDX array: 2 zero bytes, type 0x08, the number of dimensions, one big-endian uint32 per
    dimension, then the values in row-major order.

    >>> parse_idx(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])).tolist()
    [[1, 2, 3], [4, 5, 6]]
    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 4, 1, 2]))
    Traceback (most recent call last):
    ...
    ValueError: IDX header gives 4 values, the file holds 2
    """
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise ValueError("not an unsigned-byte IDX file (magic 0x0000 08 nn)")
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    values = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if values.size != math.prod(shape):
        raise ValueError(f"IDX header gives {math.prod(shape)} values, the file holds {values.size}")
    return values.reshape(shape)


def read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return parse_idx(f.read())


def _idx_file(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"toy track: no {stem}[.gz] in {folder}")


def _local(data_dir: Path, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    folder = data_dir / LOCAL_FOLDERS[dataset]
    images = read_idx(_idx_file(folder, "t10k-images-idx3-ubyte"))
    labels = read_idx(_idx_file(folder, "t10k-labels-idx1-ubyte"))
    if len(images) != len(labels):
        raise ValueError(f"toy track: {folder} holds {len(images)} images but {len(labels)} labels")
    return images.reshape(len(images), -1), labels.astype(np.int64)


def _hub(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        import datasets
    except ImportError as e:
        raise ImportError(
            "the toy track loads MNIST and Fashion-MNIST from the Hugging Face hub with `datasets` "
            "(pip install 'razorbench[datasets]'), or set task.data_dir (--data-dir) to local IDX copies"
        ) from e
    rows = datasets.load_dataset(HUB_DATASETS[dataset], split="test")
    images = np.stack([np.asarray(image, dtype=np.uint8).reshape(-1) for image in rows["image"]])
    return images, np.asarray(rows["label"], dtype=np.int64)


def split_of(image_id: str) -> str:
    """The split of an image, from its id only.

    >>> [split_of(f"mnist-{i:05d}") for i in (0, 3, 18)]
    ['train', 'eval', 'pretrain']
    """
    dataset = image_id.split("-")[0]
    bucket = int(hashlib.sha256(image_id.encode()).hexdigest(), 16) % 1000
    edge = 0
    for split, width in SPLITS[dataset]:
        edge += width
        if bucket < edge:
            return split
    return "train"


@dataclass(frozen=True, eq=False)
class ToyData:
    """Both datasets as one table. Row r: `ids[r]`, pixels `images[r]` (784 uint8), `labels[r]` (the digit or the
    Fashion class), `task_bits[r]` (+1 MNIST, −1 Fashion)."""

    ids: tuple[str, ...]
    images: np.ndarray  # (N, 784) uint8
    labels: np.ndarray  # (N,) int64
    task_bits: np.ndarray  # (N,) float32
    source: str  # the data folder, or "hub"
    _rows: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rows", {image_id: r for r, image_id in enumerate(self.ids)})

    def row(self, image_id: str) -> int:
        try:
            return self._rows[image_id]
        except KeyError:
            raise KeyError(f"no toy image {image_id!r} in {self.source}") from None

    def rows(self, dataset: str, split: str) -> list[int]:
        """Rows of one dataset's split, in source order."""
        key = f"{dataset}/{split}"
        return [r for r, k in enumerate(self._split_keys) if k == key]

    @functools.cached_property
    def _split_keys(self) -> tuple[str, ...]:
        return tuple(f"{image_id.split('-')[0]}/{split_of(image_id)}" for image_id in self.ids)

    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 over ids, pixels and labels: which data a model was pretrained on."""
        digest = hashlib.sha256("\n".join(self.ids).encode())
        digest.update(self.images.tobytes())
        digest.update(self.labels.tobytes())
        return digest.hexdigest()


@functools.cache
def _load(source: str) -> ToyData:
    ids, images, labels, bits = [], [], [], []
    for dataset in DATASETS:
        x, y = _hub(dataset) if source == "hub" else _local(Path(source), dataset)
        ids += [f"{dataset}-{i:05d}" for i in range(len(x))]
        images.append(x)
        labels.append(y)
        bits.append(np.full(len(x), TASK_BITS[dataset], dtype=np.float32))
    return ToyData(tuple(ids), np.concatenate(images), np.concatenate(labels), np.concatenate(bits), source)


def load_toy_data(data_dir: str | Path | None) -> ToyData:
    """The image table from `data_dir` (IDX files), or from the hub when None; loaded once per process."""
    return _load(str(Path(data_dir).expanduser().resolve()) if data_dir else "hub")
