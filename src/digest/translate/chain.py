"""The translation chain, and the edition stage that uses it.

Order: the translation memory's reviewed translations, then each configured
machine backend in turn, then nothing (the renderer shows the original with a
language badge). Machine output is remembered with status ``machine`` so it is
not computed again, but it never counts as reviewed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from digest.clean import clean_text, plain_line
from digest.config import Settings
from digest.model import Edition, KeyPoint, Problem, Story
from digest.store import Store
from digest.translate.base import Translation, TranslationError, Translator
from digest.translate.memory import TranslationMemory

Report = Callable[[Problem], None]


class Chain:
    """Memory, then machine backends, then nothing.

    A backend that fails is reported once and not asked again by this chain, so a
    server that is down costs one timeout per build, not one per sentence.

    Args:
        memory: the translation memory (None: none, for tests of the backends alone).
        backends: machine backends, in the order they are asked.
        report: told of each backend that failed or could not be set up.
        setup: makes the backends on first need instead (``backends`` is then ignored),
            so a build whose stories are all translated never loads a model.
    """

    def __init__(
        self,
        memory: TranslationMemory | None,
        backends: Sequence[Translator] = (),
        report: Report | None = None,
        *,
        setup: Callable[[], Sequence[Translator]] | None = None,
    ) -> None:
        self.memory = memory
        self.backends = list(backends)
        self.report = report
        self._setup = setup
        #: Remembered machine output is used only while machine translation is on.
        self.machine = bool(backends) or setup is not None
        self._failed: set[int] = set()

    def translate_many(
        self, source: str, target: str, texts: Iterable[str]
    ) -> dict[str, Translation]:
        """Translations of ``texts`` from ``source`` into ``target``, by text; texts that
        nothing could translate are missing from the result."""
        wanted = list(dict.fromkeys(texts))
        found: dict[str, Translation] = {}
        if self.memory is not None:
            for text, translation in self.memory.lookup(source, target, wanted).items():
                # Remembered machine output stands in for the backends: used only while
                # machine translation is switched on.
                if translation.status == "reviewed" or self.machine:
                    found[text] = translation
        computed: dict[str, dict[str, str]] = {}
        for text in wanted:
            if text in found:
                continue
            for backend in self._active():
                try:
                    translated = backend.translate(text, source, target)
                except TranslationError as exc:
                    self._give_up(backend, exc)
                    continue
                if translated:
                    found[text] = Translation(translated, "machine", backend.name)
                    computed.setdefault(backend.name, {})[text] = translated
                    break
        if self.memory is not None:
            for origin, pairs in computed.items():
                self.memory.remember(source, target, pairs, status="machine", origin=origin)
        return found

    def translate(self, text: str, source: str, target: str) -> Translation | None:
        """The translation of one text, or None."""
        return self.translate_many(source, target, [text]).get(text)

    def _active(self) -> list[Translator]:
        if self._setup is not None:
            self.backends, self._setup = list(self._setup()), None
        return [b for b in self.backends if id(b) not in self._failed]

    def _give_up(self, backend: Translator, exc: TranslationError) -> None:
        self._failed.add(id(backend))
        if self.report is not None:
            what = f"{backend.name} failed: {exc.args[0]}"
            self.report(Problem(exc.location, what, "not asked again in this run"))

    def close(self) -> None:
        """Close every backend."""
        for backend in self.backends:
            backend.close()

    def __enter__(self) -> Chain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_chain(settings: Settings, store: Store, report: Report | None = None) -> Chain:
    """The chain the settings ask for, over the store's translation memory.

    Backends are set up when first needed. One that cannot be (a missing optional
    dependency, a missing models folder) is reported and left out; the others work.
    """
    names = settings.translation.backends

    def setup() -> list[Translator]:
        backends: list[Translator] = []
        for name in names:
            try:
                backends.append(_backend(name, settings))
            except TranslationError as exc:
                if report is not None:
                    report(Problem(exc.location, exc.args[0], f"{name} backend not used"))
        return backends

    return Chain(TranslationMemory(store), report=report, setup=setup if names else None)


def _backend(name: str, settings: Settings) -> Translator:
    config = settings.translation
    if name == "libretranslate" and config.libretranslate_url:
        from digest.translate.libre import LibreTranslate

        key = config.libretranslate_api_key
        return LibreTranslate(
            config.libretranslate_url,
            api_key=key.get_secret_value() if key is not None else None,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
        )
    if name == "argos" and config.argos_models is not None:
        from digest.translate.argos import ArgosModels

        return ArgosModels(config.argos_models)
    raise TranslationError(name, "backend not configured")


def translate_edition(edition: Edition, chain: Chain) -> Edition:
    """``edition`` with a translated key point for each story lacking one of its languages.

    For each story and each language L of the edition with no key point written in
    L, the chain is asked for the title and text of the story's original; when both
    come back, a key point in L is added (same item, link, source, date and score as
    the original; ``translation`` says whether it was reviewed or machine-made).
    """
    wanted: dict[tuple[str, str], list[str]] = {}
    for story in _stories(edition):
        original = story.original
        for language in _missing(story, edition.languages):
            texts = wanted.setdefault((original.language, language), [])
            texts += [original.title, original.text]
    if not wanted:
        return edition
    found = {pair: chain.translate_many(*pair, texts) for pair, texts in wanted.items()}
    sections = []
    for section in edition.sections:
        stories = []
        for story in section.stories:
            original = story.original
            added = []
            for language in _missing(story, edition.languages):
                done = found[(original.language, language)]
                title, text = done.get(original.title), done.get(original.text)
                if title is not None and text is not None:
                    added.append(_translated(original, language, title, text))
            if added:
                points = sorted(
                    (*story.points, *added), key=lambda p: (p.language, p.published, p.item_id)
                )
                story = replace(story, points=tuple(points))
            stories.append(story)
        sections.append(replace(section, stories=tuple(stories)))
    return replace(edition, sections=tuple(sections))


def _stories(edition: Edition) -> Iterable[Story]:
    return (story for section in edition.sections for story in section.stories)


def _missing(story: Story, languages: Sequence[str]) -> list[str]:
    return [language for language in languages if story.point_in(language) is None]


def _translated(
    original: KeyPoint, language: str, title: Translation, text: Translation
) -> KeyPoint:
    reviewed = title.status == "reviewed" and text.status == "reviewed"
    return replace(
        original,
        language=language,
        # A translator's file is a source like any other: cleaned as normalisation
        # cleans an item (the original's title stands in for one that cleans to nothing).
        title=plain_line(title.text) or original.title,
        text=clean_text(text.text),
        translation="reviewed" if reviewed else "machine",
        original_language=original.language,
    )
