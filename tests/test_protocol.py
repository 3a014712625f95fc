"""Client message validation for /ws/record/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from transcripts import controls, protocol


def test_start_with_every_field_is_parsed() -> None:
    message = controls.parse_control(
        json.dumps(
            {
                "type": "start",
                "title": "  Weekly   sync ",
                "language": "en-GB",
                "sample_rate": 48000,
                "diarize": True,
            }
        )
    )
    assert message == controls.Start(
        title="Weekly sync", language="en-GB", sample_rate=48000, diarize=True
    )


def test_start_alone_takes_defaults() -> None:
    assert controls.parse_control('{"type":"start"}') == controls.Start(
        title="", language=None, sample_rate=16000, diarize=False
    )


def test_stop_is_parsed() -> None:
    assert controls.parse_control('{"type":"stop"}') == controls.Stop()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"type":"dance"}', "Unknown message type"),
        ("{}", "Unknown message type"),
        ('{"type":"start","sample_rate":"16000"}', "sample_rate must be an integer"),
        ('{"type":"start","sample_rate":true}', "sample_rate must be an integer"),
        ('{"type":"start","sample_rate":4000}', "between 8000 and 48000"),
        ('{"type":"start","sample_rate":96000}', "between 8000 and 48000"),
        ('{"type":"start","language":"English"}', "language tag"),
        ('{"type":"start","language":"en_US; DROP"}', "language tag"),
        ('{"type":"start","language":7}', "language tag"),
        ('{"type":"start","title":42}', "title must be a string"),
        ('{"type":"start","title":"' + "x" * 201 + '"}', "at most 200"),
        ('{"type":"start","diarize":"yes"}', "diarize must be true or false"),
        ('{"type":"start","volume":11}', "Unknown field 'volume'"),
        ('{"type":"stop","now":true}', "Unknown field 'now'"),
        ('{"type":"start","title":"' + "x" * 5000 + '"}', "over 4096 characters"),
    ],
)
def test_malformed_control_messages_are_refused(text: str, complaint: str) -> None:
    with pytest.raises(controls.ProtocolError, match=complaint):
        controls.parse_control(text)


@pytest.mark.parametrize(
    ("frame", "complaint"),
    [
        (b"", "empty"),
        (b"\x00" * 3, "odd number of bytes"),
        (b"\x00" * (64 * 1024 + 2), "over 65536 bytes"),
    ],
)
def test_bad_audio_frames_are_refused(frame: bytes, complaint: str) -> None:
    with pytest.raises(controls.ProtocolError, match=complaint):
        controls.check_audio_frame(frame)


def test_largest_allowed_audio_frame_passes() -> None:
    controls.check_audio_frame(b"\x00" * 64 * 1024)


def test_the_page_scripts_know_the_same_close_codes_as_the_server() -> None:
    common = (Path(__file__).parent.parent / "static" / "js" / "common.js").read_text()
    block = re.search(r"export const CLOSE = Object\.freeze\(\{(.*?)\}\);", common, re.S)
    assert block is not None
    scripts = {name: int(code) for name, code in re.findall(r"(\w+): (\d+)", block.group(1))}
    assert scripts == protocol.CLOSE_CODES
    assert len(set(scripts.values())) == len(scripts)  # one meaning each
