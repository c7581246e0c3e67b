"""How :meth:`EmailRenderer.fit` chooses the cut of an edition over the size budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.render.blocks import without
from digest.render.email import FIT_RENDERS, EmailRenderer, EmailView
from tests.test_render import many_stories, sample_edition, settings_for

BUDGET = 100_000


class CountingRenderer(EmailRenderer):
    """Records the size of each HTML it renders."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.sizes: list[int] = []

    def html(self, view: EmailView) -> str:
        page = super().html(view)
        self.sizes.append(len(page.encode("utf-8")))
        return page


@pytest.mark.parametrize("count", [110, 160])
def test_the_cut_fits_holds_the_most_stories_tried_and_is_bounded(
    tmp_path: Path, count: int
) -> None:
    renderer = CountingRenderer(settings_for(tmp_path))
    edition = many_stories(count)
    view, html, left_out = renderer.fit(edition, ("fr", "nl"))
    assert renderer.sizes[0] > BUDGET  # the whole edition did not fit
    assert len(html.encode("utf-8")) <= BUDGET
    assert 0 < left_out < count
    # The most stories among the cuts tried: every larger email rendered was too large.
    assert all(size > BUDGET for size in renderer.sizes if size > len(html.encode("utf-8")))
    assert 2 <= len(renderer.sizes) <= FIT_RENDERS
    ranked = sorted(edition.sections[0].stories, key=lambda s: (s.score, s.id))
    shown = [p.url for p in view.blocks[0].sections[0].points]
    assert {s.original.url for s in ranked[left_out:]} == set(shown)  # the best stayed
    # Sizes follow the stories shown here, so the cut is the best of all: one story
    # more is over the budget (and was rendered: the neighbour is checked).
    assert renderer.sizes.count(len(html.encode("utf-8"))) == 1
    one_more = without(edition, {s.id for s in ranked[: left_out - 1]})
    check = EmailRenderer(settings_for(tmp_path))
    over = check.html(check.view(one_more, ("fr", "nl"), left_out=left_out - 1))
    assert len(over.encode("utf-8")) > BUDGET
    assert len(over.encode("utf-8")) in renderer.sizes


def test_the_same_edition_gives_the_same_renders(tmp_path: Path) -> None:
    first, second = (
        CountingRenderer(settings_for(tmp_path)),
        CountingRenderer(settings_for(tmp_path)),
    )
    edition = many_stories(110)
    a, b = first.fit(edition, ("fr", "nl")), second.fit(edition, ("fr", "nl"))
    assert a[1:] == b[1:] and first.sizes == second.sizes


def test_an_edition_within_the_budget_is_rendered_once(tmp_path: Path) -> None:
    renderer = CountingRenderer(settings_for(tmp_path))
    view, html, left_out = renderer.fit(sample_edition(), ("fr", "nl"))
    assert left_out == 0 and len(renderer.sizes) == 1
    assert html == EmailRenderer(settings_for(tmp_path)).html(view)


def test_when_no_cut_fits_one_story_stays(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    tiny = settings.model_copy(update={"email_max_bytes": 1_000})  # below any email
    renderer = CountingRenderer(tiny)
    view, html, left_out = renderer.fit(many_stories(60), ("fr", "nl"))
    assert left_out == 59 and len(view.blocks[0].sections[0].points) == 1
    assert len(html.encode("utf-8")) > 1_000  # kept even over the budget, as before
    assert len(renderer.sizes) <= FIT_RENDERS
