"""The SSRF guard against a real loopback HTTP server (allowed by the setting where a test
says so) and real name resolution."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
from collections.abc import Iterator

import pytest

from transcripts.outbound import OutboundRefused, address_refusal, check_url, open_response


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            "/audio": (200, {}, b"RIFF....WAVE"),
            "/hop": (302, {"Location": "/audio"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/to-private": (302, {"Location": "http://10.0.0.1/secret"}, b""),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/"}, b""),
            "/host": (200, {}, (self.headers.get("Host") or "").encode()),
        }
        status, headers, body = routes.get(self.path, (404, {}, b"nope"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback_allowed(settings) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]


def read(url: str) -> tuple[int, bytes]:
    with open_response(url, timeout=5) as response:
        return response.status_code, response.read()


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "metadata"),
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "metadata or shared"),
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:0a00:0001::", "private"),  # 6to4 of 10.0.0.1
        ("fd00:ec2::254", "metadata"),
    ],
)
def test_non_public_addresses_are_refused_in_words(address: str, words: str) -> None:
    assert words in address_refusal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) == ""


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("file:///etc/passwd", "Only http:// and https://"),
        ("ftp://example.com/a.wav", "Only http:// and https://"),
        ("gopher://127.0.0.1:6379/_INFO", "Only http:// and https://"),
        ("http://user:pass@example.com/a.wav", "user name or password"),
        ("http:///a.wav", "no host name"),
        ("http://127.0.0.1/a.wav", "loopback"),
        ("http://localhost/a.wav", "loopback"),
        ("http://[::1]/a.wav", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one number
        ("http://example.com:99999/", "invalid port"),
        ("http://no-such-host.invalid/", "could not be found"),
    ],
)
def test_urls_parley_must_not_fetch_are_refused(url: str, words: str) -> None:
    with pytest.raises(OutboundRefused, match=words):
        check_url(url)


def test_an_allowed_loopback_server_is_fetched_with_its_host_name(
    server: str, loopback_allowed: None
) -> None:
    assert read(f"{server}/audio") == (200, b"RIFF....WAVE")
    port = server.rsplit(":", 1)[1]
    assert read(f"{server}/host") == (200, f"127.0.0.1:{port}".encode())


def test_loopback_is_refused_without_the_setting(server: str) -> None:
    with pytest.raises(OutboundRefused, match="loopback"):
        read(f"{server}/audio")


def test_redirects_are_followed_and_each_hop_checked(server: str, loopback_allowed: None) -> None:
    assert read(f"{server}/hop") == (200, b"RIFF....WAVE")
    with pytest.raises(OutboundRefused, match="private"):
        read(f"{server}/to-private")
    with pytest.raises(OutboundRefused, match="metadata"):
        read(f"{server}/to-metadata")
    with pytest.raises(OutboundRefused, match="Too many redirects"):
        read(f"{server}/loop")


def test_a_dns_answer_that_changes_after_the_check_is_not_followed(
    server: str, loopback_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is resolved once: the connection goes to the checked address, whatever the
    resolver says later (a rebinding attack answers public first, private next)."""
    port = int(server.rsplit(":", 1)[1])
    answers = iter(["127.0.0.1", "10.9.9.9", "10.9.9.9"])
    real = socket.getaddrinfo

    def rebinding(host: str, *args: object, **kwargs: object) -> list:
        if host == "rebind.test":
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with open_response(f"http://rebind.test:{port}/host", timeout=5) as response:
        assert response.read() == f"rebind.test:{port}".encode()


def test_a_host_with_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def two_answers(host: str, *args: object, **kwargs: object) -> list:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)
    with pytest.raises(OutboundRefused, match="private"):
        check_url("http://mixed.test/a.wav")
