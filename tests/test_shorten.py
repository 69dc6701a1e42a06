"""Shortening a summary too long for its line: only cuts that keep a complete, true sentence."""

from __future__ import annotations

import pytest

from docstring_hook.model.shorten import shortened_summary, shortening_request, shorter_summaries


@pytest.mark.parametrize(
    ("summary", "limit", "expected"),
    [
        # A trailing participle clause goes.
        (
            "Parse a bounding box string into four floats, validating the number of parts.",
            60,
            ["Parse a bounding box string into four floats."],
        ),
        # An aside in parentheses goes.
        ("Return the links of the page (as a list of titles).", 40, ["Return the links of the page."]),
        # A dash opens an aside too.
        ("Remove the ACL from a file - used before copying it back.", 40, ["Remove the ACL from a file."]),
        # A non-restrictive clause after a comma goes.
        ("Fetch the page summary, which the API truncates to one paragraph.", 30, ["Fetch the page summary."]),
        # Several cuts: the longest that fits comes first.
        (
            "Build the backlinks, keeping their order, while skipping redirects.",
            50,
            ["Build the backlinks, keeping their order.", "Build the backlinks."],
        ),
        # Commas between list items are never cut.
        ("Return the min lat, min lon, max lat and max lon of the box.", 30, []),
        # Nor the "or" that ends a list, nor a noun that only ends in "-ing".
        ("Encode the value as a str, bytes, or a path for the platform.", 30, []),
        ("Convert the value, string or bytes, to the text it stands for.", 30, []),
        # Never a condition or an alternative: the rest would be false.
        ("Return None for the key, if the cache holds no entry for it at all.", 30, []),
        ("Return the cached entry for the key, otherwise build it and store it.", 40, []),
        ("Return the names that match the pattern given by the caller.", 30, []),
        # A phrase that says how may go without a comma.
        (
            "Return a string with the input text indented according to the specified width.",
            77,
            ["Return a string with the input text indented."],
        ),
        ("Hash the password using the bcrypt rounds from the settings.", 40, ["Hash the password."]),
        (
            "Return a new global namespace by merging the provided dictionary with the existing one.",
            73,
            ["Return a new global namespace."],
        ),
        # A cut that leaves fewer than three words is no summary.
        ("Delete it, removing every copy of the file from the backup folder.", 20, []),
        # A cut that would end on a preposition is refused.
        ("Copy files to, replacing what is there, the backup folder.", 20, []),
        # A summary that already fits is left alone.
        ("Add two numbers.", 20, []),
        # Only the first sentence is the summary line; the rest is dropped with the cut.
        ("Read the config file, expanding the user's home. Then cache it.", 30, ["Read the config file."]),
    ],
)
def test_shorter_summaries(summary: str, limit: int, expected: list[str]) -> None:
    assert shorter_summaries(summary, limit) == expected


def test_every_shorter_summary_fits_and_ends_with_a_period() -> None:
    summary = "Load the settings (from the user's file), merging defaults, then validating each key - strictly."
    shorter = shorter_summaries(summary, 60)
    assert shorter and all(len(s) <= 60 and s.endswith(".") for s in shorter)


@pytest.mark.parametrize(
    ("reply", "summary"),
    [
        ("Add the two numbers.", "Add the two numbers."),
        ('"Add the two numbers."\n', "Add the two numbers."),
        ("\nSummary: Add the two numbers.\nThis keeps it short.", "Add the two numbers."),
        ("New summary: `Add the numbers.`", "Add the numbers."),
        ("", ""),
    ],
)
def test_the_summary_is_read_from_a_plain_reply(reply: str, summary: str) -> None:
    assert shortened_summary(reply) == summary


def test_the_shortening_request_asks_for_words_and_characters_and_quotes_only_the_first_sentence() -> None:
    system, ask = shortening_request("Read the whole configuration file from the disk into memory. Cache it.", 40)
    assert system.role == "system" and ask.role == "user"
    assert "at most 5 words and 40 characters" in ask.content
    assert ask.content.endswith("Read the whole configuration file from the disk into memory.")
