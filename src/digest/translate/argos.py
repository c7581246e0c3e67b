"""Argos Translate language packages, run without the ``argostranslate`` package.

An ``.argosmodel`` file is a zip holding one folder with a CTranslate2 model
(``model/``), a SentencePiece model (``sentencepiece.model``) and ``metadata.json``
(``from_code``, ``to_code``). Both models are loaded straight from the zip with
``ctranslate2`` and ``sentencepiece`` (the ``digest[mt]`` extra): ``argostranslate``
itself would pull in torch and stanza. Unpacked package folders (as Argos installs
them) are read too. A pair with no package of its own is translated through English
when both halves are there, as Argos does.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from digest.summarise import split_sentences
from digest.translate.base import TranslationError

PIVOT = "en"
#: A package larger than this (unpacked) is refused: real ones are 100-300 MB.
MAX_PACKAGE_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class ArgosPackage:
    """One language package found in the models folder."""

    path: Path
    from_code: str
    to_code: str
    #: Token some multilingual packages want at the start of the output.
    target_prefix: str | None = None


class ArgosModels:
    """A :class:`~digest.translate.base.Translator` over a folder of Argos packages.

    Raises (on creation):
        TranslationError: ``ctranslate2`` or ``sentencepiece`` is not installed, the
            folder does not exist, or it holds no usable package.
    """

    name = "argos"

    def __init__(self, folder: Path) -> None:
        self.location = str(folder)
        try:
            import ctranslate2
            import sentencepiece
        except ImportError:
            raise TranslationError(
                self.location,
                "the argos backend needs ctranslate2 and sentencepiece: pip install 'digest[mt]'",
            ) from None
        self._ctranslate2: Any = ctranslate2
        self._sentencepiece: Any = sentencepiece
        if not folder.is_dir():
            raise TranslationError(self.location, "argos_models is not a folder")
        self.packages = find_packages(folder)
        if not self.packages:
            raise TranslationError(self.location, "no .argosmodel package in the folder")
        self._loaded: dict[tuple[str, str], tuple[Any, Any, str | None]] = {}

    def translate(self, text: str, source: str, target: str) -> str | None:
        """Translate sentence by sentence; see :class:`~digest.translate.base.Translator`.

        Raises:
            TranslationError: a package cannot be read or the model fails.
        """
        if (source, target) in self.packages:
            return self._translate(text, source, target)
        if (source, PIVOT) in self.packages and (PIVOT, target) in self.packages:
            between = self._translate(text, source, PIVOT)
            return self._translate(between, PIVOT, target) if between else None
        return None

    def _translate(self, text: str, source: str, target: str) -> str | None:
        translator, processor, prefix = self._load(source, target)
        sentences = split_sentences(text, source) or [text]
        batch = [processor.encode(sentence, out_type=str) for sentence in sentences]
        prefixes = [[prefix] for _ in batch] if prefix else None
        try:
            results = translator.translate_batch(
                batch,
                target_prefix=prefixes,
                beam_size=4,
                replace_unknowns=True,
                max_decoding_length=max(16, 3 * max(len(tokens) for tokens in batch)),
            )
        except (RuntimeError, ValueError) as exc:
            raise TranslationError(
                self.location, f"{source}->{target} model failed: {exc}"
            ) from exc
        out = []
        for result in results:
            tokens = list(result.hypotheses[0])
            if prefix and tokens[:1] == [prefix]:
                tokens = tokens[1:]
            out.append(processor.decode(tokens).strip())
        translated = " ".join(part for part in out if part)
        return translated or None

    def _load(self, source: str, target: str) -> tuple[Any, Any, str | None]:
        loaded = self._loaded.get((source, target))
        if loaded is None:
            package = self.packages[(source, target)]
            try:
                model_files, sp_model = _read_package(package.path)
                where = package.path if model_files is not None else package.path / "model"
                translator = self._ctranslate2.Translator(
                    str(where), device="cpu", files=model_files
                )
                processor = self._sentencepiece.SentencePieceProcessor(model_proto=sp_model)
            except (OSError, RuntimeError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                raise TranslationError(str(package.path), f"cannot load: {exc}") from exc
            loaded = (translator, processor, package.target_prefix)
            self._loaded[(source, target)] = loaded
        return loaded

    def close(self) -> None:
        """Forget the loaded models."""
        self._loaded.clear()


def find_packages(folder: Path) -> dict[tuple[str, str], ArgosPackage]:
    """The packages of ``folder`` by (from, to) language, the last by name winning.

    ``.argosmodel`` files and unpacked package folders (holding ``metadata.json``) are
    read; anything else is ignored, and so is a package whose metadata is unusable.
    """
    found: dict[tuple[str, str], ArgosPackage] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        try:
            metadata = _metadata(path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            continue
        if metadata is None:
            continue
        from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
        if isinstance(from_code, str) and isinstance(to_code, str):
            prefix = metadata.get("target_prefix")
            found[(from_code, to_code)] = ArgosPackage(
                path, from_code, to_code, prefix if isinstance(prefix, str) and prefix else None
            )
    return found


def _metadata(path: Path) -> dict[str, Any] | None:
    if path.is_dir():
        file = path / "metadata.json"
        data: Any = json.loads(file.read_text("utf-8")) if file.is_file() else None
    elif path.suffix == ".argosmodel":
        with zipfile.ZipFile(path) as archive:
            root = _package_root(archive)
            data = json.loads(archive.read(f"{root}metadata.json").decode("utf-8"))
    else:
        return None
    return data if isinstance(data, dict) else None


def _package_root(archive: zipfile.ZipFile) -> str:
    # The package is one folder in the zip (translate-fr_en-1_9/); find it by its metadata.
    candidates = [
        name[: -len("metadata.json")]
        for name in archive.namelist()
        if PurePosixPath(name).name == "metadata.json" and name.count("/") <= 1
    ]
    if not candidates:
        raise ValueError("no metadata.json in the package")
    return min(candidates, key=len)


def _read_package(path: Path) -> tuple[dict[str, bytes] | None, bytes]:
    """The CTranslate2 model files (None: load them from ``path/model``) and the
    SentencePiece model of a package."""
    if path.is_dir():
        return None, (path / "sentencepiece.model").read_bytes()
    with zipfile.ZipFile(path) as archive:
        root = _package_root(archive)
        members = [
            info
            for info in archive.infolist()
            if info.filename.startswith(f"{root}model/") and not info.is_dir()
        ]
        if sum(info.file_size for info in members) > MAX_PACKAGE_BYTES:
            raise ValueError("package larger than 2 GB")
        # Names are only dictionary keys here: nothing is written to disk, so a name
        # like ../x cannot escape anywhere.
        files = {info.filename[len(f"{root}model/") :]: archive.read(info) for info in members}
        if "model.bin" not in files:
            raise ValueError("no model/model.bin in the package")
        return files, archive.read(f"{root}sentencepiece.model")
