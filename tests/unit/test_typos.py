"""A mistyped sub-command is recognised; a candidate's name is not taken for one."""

from __future__ import annotations

import pytest

from bot.listeners.commands import SUBCOMMANDS
from bot.slack.typos import closest, distance

WORDS = [word for word in SUBCOMMANDS if word]


@pytest.mark.parametrize(("a", "b", "edits"), [
    ("conect", "connect", 1), ("stauts", "status", 1), ("hlep", "help", 1), ("connect", "connect", 0),
    ("disconect", "disconnect", 1), ("conner", "connect", 2), ("", "help", 4), ("abc", "", 3),
])
def test_distance_counts_edits_with_swaps(a: str, b: str, edits: int) -> None:
    assert distance(a, b) == edits == distance(b, a)


@pytest.mark.parametrize(("word", "meant"), [
    ("conect", "connect"), ("connct", "connect"), ("stauts", "status"), ("statu", "status"), ("hlep", "help"),
    ("disconect", "disconnect"), ("dsiconnect", "disconnect"), ("disconnet", "disconnect"),
])
def test_typos_of_a_sub_command_are_recognised(word: str, meant: str) -> None:
    assert closest(word, WORDS) == meant


@pytest.mark.parametrize("word", ["conner", "bob", "stone", "helene", "status", "connect", "co", "statistics"])
def test_names_and_exact_words_are_not_typos(word: str) -> None:
    assert closest(word, WORDS) is None
