"""The demo's company mailbox: a real IMAP server (Debian's Dovecot) on a loopback port,
with a throwaway configuration of its own (base_dir, passwd file, Maildir) in a folder.

    with ImapServer(folder, users={"clientes": "secret"}) as server:   # 127.0.0.1, free port
        server.port, server.host, server.maildir("clientes")
        server.stop(); server.start()            # down for a while, then up on the same port

Dovecot refuses to give mail to uid 0, so the mail user is `nobody` and the mail folder
is handed to it; its unprivileged processes must reach the folder, so when `folder` sits
under a directory closed to others (pytest's tmp_path is 0700) the server lives in a
fresh directory under the system's temp folder instead, removed when the block ends.
The server is stopped (and its processes gone) when the block ends.
It plays an outside system: it imports nothing of the toolkit.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

DOVECOT = os.environ.get("RPA_DOVECOT", "/usr/sbin/dovecot")
MAIL_USER = "nobody"

CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
default_internal_user = {internal}
default_login_user = {login}
mail_uid = {mail_user}
mail_gid = {mail_group}
first_valid_uid = 1
mail_location = maildir:{base}/home/%u/Maildir
mail_fsync = never
maildir_very_dirty_syncs = yes
imap_max_line_length = 2M
mail_max_userip_connections = 100
namespace inbox {{
  inbox = yes
  separator = /
  prefix =
}}
{oauth2}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def available() -> bool:
    return Path(DOVECOT).exists()


class ImapServer:
    def __init__(self, folder: Path, *, users: dict[str, str] | None = None,
                 port: int | None = None, oauth2_introspection_url: str | None = None) -> None:
        self.folder = Path(folder).resolve()
        self._own_folder = False
        if os.geteuid() == 0 and not _reachable(self.folder):
            self.folder = Path(tempfile.mkdtemp(prefix="rpa-dovecot-"))
            self._own_folder = True
        self.users = dict(users or {"clientes": "clientes-pass"})
        self.port = port or free_port()
        self.host = "127.0.0.1"
        # XOAUTH2: tokens are checked by POSTing them to this RFC 7662 endpoint
        self.oauth2_introspection_url = oauth2_introspection_url
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.folder / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.folder / "dovecot.log"

    def maildir(self, user: str) -> Path:
        return self.folder / "home" / user / "Maildir"

    def _write_config(self) -> None:
        mail = pwd.getpwnam(MAIL_USER)
        internal = "dovecot" if _user_exists("dovecot") else MAIL_USER
        login = "dovenull" if _user_exists("dovenull") else MAIL_USER
        self.folder.mkdir(parents=True, exist_ok=True)
        for sub in ("run", "state", "home"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        for user in self.users:
            self.maildir(user).mkdir(parents=True, exist_ok=True)
        (self.folder / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in self.users.items()))
        group = _group_name(mail.pw_gid)
        oauth2, mechanisms = "", ""
        if self.oauth2_introspection_url:
            (self.folder / "oauth2.conf.ext").write_text(
                "introspection_mode = post\n"
                f"introspection_url = {self.oauth2_introspection_url}\n"
                "username_attribute = username\nactive_attribute = active\n"
                "active_value = true\n")
            oauth2 = (f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                      f"  args = {self.folder}/oauth2.conf.ext\n}}\n")
            mechanisms = " xoauth2 oauthbearer"
        self.config_path.write_text(CONFIG.format(
            base=self.folder, port=self.port, mail_user=MAIL_USER, mail_group=group,
            internal=internal, login=login, oauth2=oauth2, mechanisms=mechanisms))
        if os.geteuid() == 0:
            for path in [self.folder / "home", *(self.folder / "home").rglob("*")]:
                os.chown(path, mail.pw_uid, mail.pw_gid)
            # the passwd file is read by the auth process, running as the internal user
            os.chmod(self.folder / "passwd", 0o644)
            if self.oauth2_introspection_url:
                os.chmod(self.folder / "oauth2.conf.ext", 0o644)
            os.chmod(self.folder, 0o755)

    def start(self) -> ImapServer:
        if not available():
            raise RuntimeError(f"Dovecot not found at {DOVECOT} (apt-get install dovecot-imapd)")
        self._write_config()
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config_path)], stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "dovecot.stderr", "ab"),  # noqa: SIM115 - kept open by the child
            start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"Dovecot exited ({self._process.returncode}): "
                                   f"{self._tail()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(200).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Dovecot did not answer on {self.host}:{self.port}: {self._tail()}")

    def _tail(self) -> str:
        texts = []
        for path in (self.folder / "dovecot.stderr", self.log_path):
            if path.exists():
                texts.append(path.read_text(errors="replace")[-2000:])
        return "\n".join(texts)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ImapServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _reachable(folder: Path) -> bool:
    """Can a user other than the owner reach `folder` (every existing parent o+x)?"""
    for path in [folder, *folder.parents]:
        if path.exists() and not path.stat().st_mode & 0o001:
            return False
    return True


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="the demo company mailbox (Dovecot IMAP)")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    with ImapServer(args.folder, port=args.port) as server:
        print(f"IMAP on 127.0.0.1:{server.port}, users {', '.join(server.users)}", flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
