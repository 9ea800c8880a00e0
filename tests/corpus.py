"""A labelled repository, built at test time: planted credentials and hard negatives.

`build_corpus(root)` writes a working tree and a git history (real `git` commands) holding
credentials of many kinds — provider tokens, generic assignments in a dozen languages and
formats, credential files, encoded secrets (base64, percent-encoding, JSON escapes, a
Kubernetes Secret, a base64 docker config inside one), a Jupyter notebook, and secrets that only
the history holds (removed, deleted, or on an unmerged branch) — and hard negatives that look
like secrets and are not (documentation dummies, wrong checksums, placeholders, environment
lookups, lockfile hashes, UUIDs, commit ids, public keys, certificates, images, test values).

Every live-format value is generated here from a seeded random source, with a valid checksum
where the format has one; none is committed to this repository as text. The truth (`planted`,
`decoys`) records each value's kind, path and line; `score` compares a scanner's findings with it.
bench/accuracy.py runs the same corpus through the peer scanners.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import random
import string
import subprocess
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tokens import broken_checksum, github_token

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
PASSWORD = ALNUM + "!#%^*+-=.~"
AUTHOR = {
    "GIT_AUTHOR_NAME": "Corpus Dev",
    "GIT_AUTHOR_EMAIL": "dev@corpus.invalid",
    "GIT_COMMITTER_NAME": "Corpus Dev",
    "GIT_COMMITTER_EMAIL": "dev@corpus.invalid",
}


@dataclass(frozen=True)
class Planted:
    """A credential in the corpus. `line` is where it (or its encoded form) starts; `history_only`
    means the working tree no longer holds it; `encoding` says how it is hidden, if it is."""

    kind: str
    secret: str
    path: str
    line: int
    history_only: bool = False
    encoding: str | None = None


@dataclass(frozen=True)
class Decoy:
    """A hard negative: looks like a secret, is not one, must not be reported."""

    kind: str
    value: str
    path: str
    line: int
    history_only: bool = False


@dataclass(frozen=True)
class Reported:
    """One finding of any scanner, reduced to what scoring needs."""

    tool_rule: str
    path: str
    line: int | None
    secret: str
    related: tuple[str, ...] = ()  # other secrets the finding carries (Kingfisher's AWS pair)


@dataclass
class Corpus:
    """The repository and its truth."""

    root: Path
    planted: list[Planted] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)

    def expected(self, history: bool) -> list[Planted]:
        """The credentials a scan should find: the working tree's, or everything in history."""
        return [p for p in self.planted if history or not p.history_only]

    def kinds(self) -> set[str]:
        """The distinct kinds of planted credentials."""
        return {p.kind for p in self.planted}


# Kinds with no provider format: assignments, headers, URLs and credential files.
GENERIC_KINDS = frozenset(
    {"generic-password", "generic-api-key", "generic-secret", "generic-token", "bearer-token", "basic-auth"}
    | {"api-key-header", "curl-password", "cli-password", "url-password", "connection-string-password"}
    | {"netrc-password", "pgpass-password", "git-credentials", "npmrc-auth", "pypirc-password"}
    | {"docker-config-auth", "docker-registry-password", "htpasswd-hash", "s3cfg-secret"}
    | {"filezilla-password", "sftp-config-password", "mysql-option-file"}
)


@dataclass
class Score:
    """Recall and precision of one scan against the truth."""

    found: list[Planted]
    missed: list[Planted]
    true_findings: list[Reported]
    false_findings: list[Reported]
    decoys_reported: list[Decoy]

    @property
    def recall(self) -> float:
        total = len(self.found) + len(self.missed)
        return len(self.found) / total if total else 1.0

    def recall_of(self, generic: bool) -> float:
        """Recall over the generic kinds (GENERIC_KINDS), or over the provider formats."""
        found = sum((p.kind in GENERIC_KINDS) == generic for p in self.found)
        missed = sum((p.kind in GENERIC_KINDS) == generic for p in self.missed)
        return found / (found + missed) if found + missed else 1.0

    @property
    def precision(self) -> float:
        total = len(self.true_findings) + len(self.false_findings)
        return len(self.true_findings) / total if total else 1.0


class Forge:
    """Credential-shaped values from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def text(self, alphabet: str, length: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def password(self, length: int = 16) -> str:
        return self.text(ALNUM, 3) + self.text(PASSWORD, length - 3)

    def github(self, prefix: str = "ghp_") -> str:
        return github_token(self.rng.randrange(1 << 30), prefix)

    def github_fine_grained(self) -> str:
        head = "github_pat_" + self.text(string.digits, 2) + self.text(ALNUM, 20) + "_" + self.text(ALNUM, 43)
        check = base64.b32encode(hashlib.sha256(head.encode()).digest()).decode()[:8]
        return head + check + self.text(ALNUM, 8)

    def npm(self) -> str:
        return "npm_" + github_token(self.rng.randrange(1 << 30))[4:]

    def aws_pair(self) -> tuple[str, str]:
        return "AKIA" + self.text(string.ascii_uppercase + "234567", 16), self.text(B64, 40)

    def slack_webhook(self) -> str:
        upper = string.ascii_uppercase + string.digits
        return (
            f"https://hooks.slack.com/services/T{self.text(upper, 10)}/B{self.text(upper, 10)}/"
            f"{self.text(ALNUM, 24)}"
        )

    def jwt(self) -> str:
        def part(value: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

        header = part({"alg": "HS256", "typ": "JWT"})
        payload = part({"sub": self.text(string.digits, 8), "role": "service", "exp": 1900000000})
        return f"{header}.{payload}.{self.text(B64URL, 43)}"

    def pem(self, label: str, size: int) -> str:
        body = base64.b64encode(b"\x30\x82" + self.rng.randbytes(size)).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


class Builder:
    """Writes files and records the truth: where each planted value and decoy is."""

    def __init__(self, root: Path, corpus: Corpus) -> None:
        self.root = root
        self.corpus = corpus

    def write(
        self,
        path: str,
        text: str,
        plants: Iterable[tuple] = (),
        decoys: Iterable[tuple[str, str]] = (),
        history_only: bool = False,
    ) -> None:
        """Write `path`; each plant is (kind, secret[, shown form, encoding]), each decoy
        (kind, value). The line is where the shown form (default: the value) first appears."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        for kind, secret, *rest in plants:
            shown = rest[0] if rest else secret
            encoding = rest[1] if len(rest) > 1 else None
            line = _line_of(text, shown, path)
            self.corpus.planted.append(Planted(kind, secret, path, line, history_only, encoding))
        for kind, value in decoys:
            self.corpus.decoys.append(Decoy(kind, value, path, _line_of(text, value, path), history_only))

    def remove(self, path: str) -> None:
        (self.root / path).unlink()


def _line_of(text: str, shown: str, path: str) -> int:
    at = text.find(shown)
    if at < 0:
        raise ValueError(f"{path}: planted value not in the text")
    return text.count("\n", 0, at) + 1


def build_corpus(root: Path, seed: int = 2024) -> Corpus:
    """Create the labelled repository at `root` (which must not exist) and return its truth."""
    root.mkdir(parents=True)
    corpus = Corpus(root)
    forge, build = Forge(seed), Builder(root, corpus)
    git = _Git(root)
    git("init", "-q", "-b", "main")
    for write in (_source_files, _typed_source_files, _config_files, _script_files, _provider_configs):
        write(build, forge)
    for write in (_docs_and_command_lines, _more_files, _more_languages, _more_providers, _legacy_file):
        write(build, forge)
    git.commit("Service skeleton with configuration", 1)
    released = forge.github()
    build.write(
        "scripts/release.sh",
        f'#!/bin/sh\nset -eu\nexport GITHUB_TOKEN={released}\ngh release create "$1"\n',
        [("github-pat", released)],
        history_only=True,
    )
    git.commit("Release script", 2)
    build.write(
        "scripts/release.sh",
        '#!/bin/sh\nset -eu\nexport GITHUB_TOKEN="${GITHUB_TOKEN:?set it}"\ngh release create "$1"\n',
    )
    git.commit("Read the release token from the environment", 3)
    build.remove("config/legacy.yml")
    git.commit("Drop the legacy configuration", 4)
    _side_branch(build, forge, git)
    for write in (_credential_files, _registry_and_cloud_files, _key_files, _encoded_files, _notebook):
        write(build, forge)
    for write in (_decoy_files, _decoy_placeholders, _decoy_data):
        write(build, forge)
    git.commit("Deployment files, keys, notebooks and docs", 6)
    return corpus


class _Git:
    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, *args: str, date: int = 0) -> str:
        stamp = f"2024-01-{date + 1:02d}T10:00:00+00:00"
        env = {**os.environ, **AUTHOR, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        proc = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout

    def commit(self, message: str, date: int) -> None:
        self("add", "-A", date=date)
        self("commit", "-q", "-m", message, date=date)


def _source_files(build: Builder, forge: Forge) -> None:
    """Code in many languages: provider tokens and generic assignments."""
    ghp, stripe, db = forge.github(), "sk_live_" + forge.text(ALNUM, 99), forge.password()
    build.write(
        "app/settings.py",
        '"""Service settings."""\nimport os\n\n'
        f'DB_PASSWORD = "{db}"\n'
        f'GITHUB_TOKEN = "{ghp}"\n'
        f"STRIPE_SECRET_KEY = '{stripe}'\n"
        'SENTRY_DSN = os.environ["SENTRY_DSN"]\n'
        'REDIS_PASSWORD = os.getenv("REDIS_PASSWORD", "")\n',
        [("generic-password", db), ("github-pat", ghp), ("stripe-secret-key", stripe)],
        [("env-lookup", 'os.environ["SENTRY_DSN"]'), ("env-lookup", 'os.getenv("REDIS_PASSWORD", "")')],
    )
    sendgrid = f"SG.{forge.text(B64URL, 22)}.{forge.text(B64URL, 43)}"
    api_key = forge.password(24)
    build.write(
        "web/src/config.js",
        "module.exports = {\n"
        f"  sendgridKey: '{sendgrid}',\n"
        f'  analyticsApiKey: "{api_key}",\n'
        "  stripeKey: process.env.STRIPE_SECRET_KEY,\n"
        "};\n",
        [("sendgrid-api-key", sendgrid), ("generic-api-key", api_key)],
        [("env-lookup", "process.env.STRIPE_SECRET_KEY")],
    )
    openai = f"sk-proj-{forge.text(B64URL, 64)}T3BlbkFJ{forge.text(B64URL, 64)}"
    ts_secret = forge.password(20)
    build.write(
        "web/src/client.ts",
        "export class Client {\n"
        f'  private readonly openaiKey = "{openai}";\n'
        f'  private clientSecret: string = "{ts_secret}";\n'
        "}\n",
        [("openai-api-key", openai), ("generic-secret", ts_secret)],
    )
    bot = f"xoxb-{forge.text(string.digits, 12)}-{forge.text(string.digits, 13)}-{forge.text(ALNUM, 24)}"
    go_pw = forge.password()
    build.write(
        "svc/main.go",
        "package main\n\nfunc config() {\n"
        f'\tslackToken := "{bot}"\n'
        f'\tdbPwd := "{go_pw}"\n'
        "\t_ = slackToken\n\t_ = dbPwd\n}\n",
        [("slack-bot-token", bot), ("generic-password", go_pw)],
    )


def _typed_source_files(build: Builder, forge: Forge) -> None:
    """Java, Ruby, PHP, C# and Terraform."""
    twilio_sid, twilio_secret = "SK" + forge.text(HEX, 32), forge.text(ALNUM, 32)
    java_secret = forge.password(20)
    build.write(
        "svc/src/main/java/org/corpus/Config.java",
        "package org.corpus;\n\npublic final class Config {\n"
        f'    static final String TWILIO_API_KEY = "{twilio_sid}";\n'
        f'    static final String TWILIO_API_SECRET = "{twilio_secret}";\n'
        f'    private static final String CLIENT_SECRET = "{java_secret}";\n'
        "}\n",
        [("twilio-api-key-secret", twilio_secret), ("generic-secret", java_secret)],
    )
    mailgun, rb_pw = "key-" + forge.text(HEX, 32), forge.password()
    build.write(
        "lib/mailer.rb",
        "class Mailer\n"
        f"  MAILGUN_KEY = '{mailgun}'\n"
        "  SMTP = {\n    :address => 'smtp.corp.internal',\n"
        f"    :password => '{rb_pw}',\n  }}\n"
        "  TOKEN = ENV['MAILER_TOKEN']\nend\n",
        [("mailgun-api-key", mailgun), ("generic-password", rb_pw)],
        [("env-lookup", "ENV['MAILER_TOKEN']")],
    )
    wp_pw, php_pw = forge.password(), forge.password(14)
    build.write(
        "public/wp-config.php",
        "<?php\n"
        f"define( 'DB_PASSWORD', '{wp_pw}' );\n"
        "define( 'AUTH_KEY', 'put your unique phrase here' );\n"
        f"$db_pass = '{php_pw}';\n",
        [("generic-password", wp_pw), ("generic-password", php_pw)],
        [("placeholder", "put your unique phrase here")],
    )
    azure_secret = forge.text(ALNUM, 3) + "8Q~" + forge.text(ALNUM + "_~.-", 34)
    cs_key = forge.password(24)
    build.write(
        "src/App/Settings.cs",
        "namespace App;\n\npublic static class Settings\n{\n"
        f'    public const string AzureClientSecret = "{azure_secret}";\n'
        f'    private const string SigningKey = @"{cs_key}";\n'
        "}\n",
        [("azure-ad-client-secret", azure_secret), ("generic-secret", cs_key)],
    )
    tf_pw = forge.password(20)
    aws_id, aws_secret = forge.aws_pair()
    build.write(
        "infra/main.tf",
        'provider "aws" {\n'
        '  region     = "eu-west-1"\n'
        f'  access_key = "{aws_id}"\n'
        f'  secret_key = "{aws_secret}"\n'
        "}\n\n"
        'resource "aws_db_instance" "orders" {\n'
        f'  password = "{tf_pw}"\n'
        "  username = var.db_user\n"
        "}\n",
        [("aws-access-key-id", aws_id), ("aws-secret-access-key", aws_secret), ("generic-password", tf_pw)],
    )


def _config_files(build: Builder, forge: Forge) -> None:
    """Configuration formats: .env, YAML, JSON, TOML, INI, properties, XML."""
    env_pw, anthropic = forge.password(), f"sk-ant-api03-{forge.text(B64URL, 93)}AA"
    telegram = f"{forge.text(string.digits, 10)}:AA{forge.text(B64URL, 33)}"
    pg_pw = forge.text(ALNUM, 16)
    pg_url = f"postgres://orders:{pg_pw}@db.corp.internal:5432/orders"
    build.write(
        ".env",
        "APP_ENV=production\n"
        f"DB_PASSWORD={env_pw}\n"
        f"ANTHROPIC_API_KEY={anthropic}\n"
        f"TELEGRAM_BOT_TOKEN={telegram}\n"
        f"DATABASE_URL={pg_url}\n",
        [
            ("generic-password", env_pw),
            ("anthropic-api-key", anthropic),
            ("telegram-bot-token", telegram),
            ("postgres-url", pg_pw, pg_url),
        ],
    )
    yml_pw, mongo_pw, google = forge.password(), forge.text(ALNUM, 16), "AIza" + forge.text(B64URL, 35)
    mongo = f"mongodb+srv://app:{mongo_pw}@cluster0.corp.internal/orders"
    build.write(
        "config/database.yml",
        "production:\n  adapter: postgresql\n  username: orders\n"
        f"  password: {yml_pw}\n"
        f"  mongo_uri: {mongo}\n"
        f"  maps_api_key: {google}\n",
        [("generic-password", yml_pw), ("mongodb-url", mongo_pw, mongo), ("google-api-key", google)],
    )
    json_token, gitlab = forge.password(32), "glpat-" + forge.text(B64URL, 20)
    build.write(
        "config/app.json",
        json.dumps(
            {"service": "orders", "auth_token": json_token, "gitlab": {"token": gitlab}, "retries": 3},
            indent=2,
        )
        + "\n",
        [("generic-token", json_token), ("gitlab-pat", gitlab)],
    )
    toml_secret, npm = forge.password(32), forge.npm()
    build.write(
        "config/settings.toml",
        f'[app]\nname = "orders"\nsecret_key = "{toml_secret}"\n\n[registry]\ntoken = "{npm}"\n',
        [("generic-secret", toml_secret), ("npm-token", npm)],
    )
    ini_pw, mysql_pw = forge.password(), forge.text(ALNUM, 16)
    mysql = f"mysql://reports:{mysql_pw}@mysql.corp.internal:3306/reports"
    build.write(
        "deploy/app.ini",
        f"[database]\nhost = db.corp.internal\nuser = app\npassword = {ini_pw}\n\n[reports]\nurl = {mysql}\n",
        [("generic-password", ini_pw), ("mysql-url", mysql_pw, mysql)],
    )
    prop_pw, redis_pw = forge.password(), forge.text(ALNUM, 16)
    redis = f"redis://:{redis_pw}@cache.corp.internal:6379/0"
    build.write(
        "svc/src/main/resources/application.properties",
        "spring.datasource.url=jdbc:postgresql://db.corp.internal/orders\n"
        "spring.datasource.username=orders\n"
        f"spring.datasource.password={prop_pw}\n"
        f"spring.redis.url={redis}\n",
        [("generic-password", prop_pw), ("redis-url", redis_pw, redis)],
    )
    xml_pw, net_key = forge.password(), forge.password(24)
    build.write(
        "conf/settings.xml",
        "<settings>\n  <servers>\n    <server>\n      <id>nexus</id>\n      <username>deployer</username>\n"
        f"      <password>{xml_pw}</password>\n    </server>\n  </servers>\n</settings>\n",
        [("generic-password", xml_pw)],
    )
    build.write(
        "src/App/web.config",
        '<?xml version="1.0"?>\n<configuration>\n  <appSettings>\n'
        f'    <add key="PaymentsApiKey" value="{net_key}" />\n'
        '    <add key="ApiKeyHeader" value="X-Api-Key" />\n'
        "  </appSettings>\n</configuration>\n",
        [("generic-api-key", net_key)],
    )


def _script_files(build: Builder, forge: Forge) -> None:
    """Shell scripts, a Dockerfile, CI configuration."""
    sh_token, curl_pw, bearer = forge.password(32), forge.password(), forge.text(ALNUM, 40)
    amqp_pw = forge.text(ALNUM, 16)
    amqp = f"amqp://worker:{amqp_pw}@mq.corp.internal:5672/orders"
    build.write(
        "scripts/deploy.sh",
        "#!/bin/sh\nset -eu\n"
        f"export SENTRY_AUTH_TOKEN={sh_token}\n"
        f"curl -fsS -u deploy:{curl_pw} https://repo.corp.internal/upload -T app.tar\n"
        f'curl -fsS -H "Authorization: Bearer {bearer}" https://api.corp.internal/v1/deploy\n'
        f'export BROKER_URL="{amqp}"\n',
        [
            ("generic-token", sh_token),
            ("curl-password", curl_pw),
            ("bearer-token", bearer),
            ("amqp-url", amqp_pw, amqp),
        ],
    )
    docker_pw, arg_token = forge.password(), forge.password(24)
    build.write(
        "Dockerfile",
        "FROM python:3.12-slim\n"
        f"ENV SMTP_PASSWORD={docker_pw}\n"
        f"ARG PRIVATE_REPO_TOKEN {arg_token}\n"
        'CMD ["python", "-m", "app"]\n',
        [("generic-password", docker_pw), ("generic-token", arg_token)],
    )
    ci_webhook, slack_user = (
        forge.slack_webhook(),
        (
            f"xoxp-{forge.text(string.digits, 12)}-{forge.text(string.digits, 12)}-"
            f"{forge.text(string.digits, 13)}-{forge.text(HEX, 32)}"
        ),
    )
    build.write(
        ".github/workflows/deploy.yml",
        "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n"
        f"      SLACK_WEBHOOK_URL: {ci_webhook}\n"
        f"      SLACK_TOKEN: {slack_user}\n"
        "      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n",
        [("slack-webhook", ci_webhook), ("slack-user-token", slack_user)],
        [("placeholder", "${{ secrets.GITHUB_TOKEN }}")],
    )


def _provider_configs(build: Builder, forge: Forge) -> None:
    """Provider tokens in code and configuration files."""
    discord = f"M{forge.text(B64URL, 25)}.{forge.text(B64URL, 6)}.{forge.text(B64URL, 38)}"
    discord_hook = (
        f"https://discord.com/api/webhooks/{forge.text(string.digits, 19)}/{forge.text(B64URL, 68)}"
    )
    mailchimp = f"{forge.text(HEX, 32)}-us{forge.rng.randrange(1, 21)}"
    build.write(
        "bots/notify.py",
        "import discord\n\n"
        f'DISCORD_BOT_TOKEN = "{discord}"\n'
        f'ALERTS_WEBHOOK = "{discord_hook}"\n'
        f'MAILCHIMP_API_KEY = "{mailchimp}"\n',
        [("discord-bot-token", discord), ("discord-webhook", discord_hook), ("mailchimp-api-key", mailchimp)],
    )
    shopify, square = "shpat_" + forge.text(HEX, 32), "EAAA" + forge.text(B64URL, 60)
    pypi = "pypi-AgEIcHlwaS5vcmc" + forge.text(B64URL, 70)
    azure_key = forge.text(B64, 86) + "=="
    azure = (
        "DefaultEndpointsProtocol=https;AccountName=corpusdata;"
        f"AccountKey={azure_key};EndpointSuffix=core.windows.net"
    )
    build.write(
        "config/integrations.yaml",
        f"shopify:\n  admin_token: {shopify}\n"
        f"payments:\n  square_access_token: {square}\n"
        f"pypi:\n  upload: {pypi}\n"
        f'azure:\n  storage: "{azure}"\n',
        [
            ("shopify-token", shopify),
            ("square-access-token", square),
            ("pypi-token", pypi),
            ("azure-storage-key", azure_key),
        ],
    )
    jwt, google_secret, fine = forge.jwt(), "GOCSPX-" + forge.text(B64URL, 28), forge.github_fine_grained()
    whsec, gho = "whsec_" + forge.text(ALNUM, 32), forge.github("gho_")
    build.write(
        "config/oauth.json",
        json.dumps(
            {
                "google": {"client_id": "1234.apps.googleusercontent.com", "client_secret": google_secret},
                "service_jwt": jwt,
                "github_pat": fine,
                "github_oauth": gho,
                "stripe_webhook_secret": whsec,
            },
            indent=2,
        )
        + "\n",
        [
            ("google-oauth-client-secret", google_secret),
            ("jwt", jwt),
            ("github-fine-grained-pat", fine),
            ("github-oauth-token", gho),
            ("stripe-webhook-secret", whsec),
        ],
    )


def _docs_and_command_lines(build: Builder, forge: Forge) -> None:
    """Credentials in documentation, URLs, headers and command lines."""
    url_pw, header_key = forge.text(ALNUM, 16), forge.text(ALNUM, 32)
    basic_pw = forge.password()
    basic = base64.b64encode(f"ci-bot:{basic_pw}".encode()).decode()
    build.write(
        "docs/operations.md",
        "# Operations\n\nMirror the repository:\n\n"
        f"    git clone https://mirror:{url_pw}@git.corp.internal/org/orders.git\n\n"
        "Query the inventory service:\n\n"
        f"    curl -H 'X-Api-Key: {header_key}' https://inventory.corp.internal/v2/items\n"
        f"    curl -H 'Authorization: Basic {basic}' https://nexus.corp.internal/service/rest\n",
        [("url-password", url_pw), ("api-key-header", header_key), ("basic-auth", basic)],
    )
    ghs, ghu = forge.github("ghs_"), forge.github("ghu_")
    rk = "rk_live_" + forge.text(ALNUM, 99)
    build.write(
        "ci/tokens.sh",
        f"INSTALLATION_TOKEN={ghs}\nUSER_TOKEN={ghu}\nSTRIPE_RESTRICTED={rk}\n",
        [("github-app-token", ghs), ("github-app-token", ghu), ("stripe-restricted-key", rk)],
    )
    cli_pw = forge.password()
    build.write(
        "scripts/backup.sh",
        f"#!/bin/sh\nmysqldump --user=backup --password={cli_pw} --all-databases > /backup/all.sql\n",
        [("cli-password", cli_pw)],
    )


def _more_files(build: Builder, forge: Forge) -> None:
    """docker-compose, GitLab CI, Ansible and Terraform variables."""
    pg, redis, minio = forge.password(), forge.password(), forge.password(32)
    build.write(
        "docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        f"      POSTGRES_PASSWORD: {pg}\n  cache:\n    image: redis:7\n    environment:\n"
        f"      - REDIS_PASSWORD={redis}\n  storage:\n    image: minio/minio\n    environment:\n"
        f"      MINIO_SECRET_KEY: {minio}\n",
        [("generic-password", pg), ("generic-password", redis), ("generic-secret", minio)],
    )
    deploy_token, gitlab = forge.password(24), "glpat-" + forge.text(B64URL, 20)
    build.write(
        ".gitlab-ci.yml",
        f'variables:\n  DEPLOY_TOKEN: "{deploy_token}"\n\nrelease:\n  script:\n'
        f'    - curl --header "PRIVATE-TOKEN: {gitlab}" https://gitlab.com/api/v4/projects\n',
        [("generic-token", deploy_token), ("gitlab-pat", gitlab)],
    )
    root_pw, vault_token = forge.password(), forge.password(28)
    build.write(
        "ansible/group_vars/all.yml",
        f"mysql_root_password: {root_pw}\nconsul_acl_token: {vault_token}\n",
        [("generic-password", root_pw), ("generic-token", vault_token)],
    )
    tf_pw, dd_key = forge.password(), forge.text(HEX, 32)
    build.write(
        "infra/prod.tfvars",
        f'db_password     = "{tf_pw}"\ndatadog_api_key = "{dd_key}"\n',
        [("generic-password", tf_pw), ("generic-api-key", dd_key)],
    )


def _more_languages(build: Builder, forge: Forge) -> None:
    """Kotlin, Swift, Rust, Scala, PowerShell, batch, Makefile, .NET, Jenkins."""
    kt, swift, rust, scala = forge.password(24), forge.password(), forge.password(24), forge.password()
    build.write(
        "android/app/src/main/java/org/corpus/Keys.kt",
        f'object Keys {{\n    const val API_KEY = "{kt}"\n}}\n',
        [("generic-api-key", kt)],
    )
    build.write(
        "ios/Corpus/Secrets.swift",
        f'enum Secrets {{\n    static let apiSecret = "{swift}"\n}}\n',
        [("generic-secret", swift)],
    )
    build.write(
        "tools/src/main.rs",
        f'const API_TOKEN: &str = "{rust}";\n\nfn main() {{}}\n',
        [("generic-token", rust)],
    )
    build.write(
        "jobs/src/main/scala/Jobs.scala",
        f'object Jobs {{\n  val dbPassword = "{scala}"\n}}\n',
        [("generic-password", scala)],
    )
    ps, bat, make = forge.password(24), forge.password(), forge.password(24)
    build.write(
        "scripts/setup.ps1",
        f'$env:ORDERS_API_KEY = "{ps}"\nInvoke-RestMethod https://orders.corp.internal/health\n',
        [("generic-api-key", ps)],
    )
    build.write(
        "scripts/setup.bat",
        f"@echo off\nset DB_PASSWORD={bat}\ncall migrate.bat\n",
        [("generic-password", bat)],
    )
    build.write(
        "Makefile",
        f"publish:\n\texport TWINE_PASSWORD={make} && twine upload dist/*\n",
        [("generic-password", make)],
    )
    sql_pw, jenkins = forge.password(), forge.password(24)
    build.write(
        "src/App/appsettings.json",
        json.dumps(
            {
                "ConnectionStrings": {
                    "Orders": f"Server=sql.corp.internal;Database=orders;User Id=app;Password={sql_pw};"
                }
            },
            indent=2,
        )
        + "\n",
        [("connection-string-password", sql_pw)],
    )
    build.write(
        "Jenkinsfile",
        f"pipeline {{\n  environment {{\n    NEXUS_TOKEN = '{jenkins}'\n  }}\n}}\n",
        [("generic-token", jenkins)],
    )


def _more_providers(build: Builder, forge: Forge) -> None:
    """Provider tokens in more files: .env, README, JavaScript, PHP, JSON, HTTP, Android, Ansible."""
    aws_id, aws_secret = forge.aws_pair()
    openai = f"sk-proj-{forge.text(B64URL, 64)}T3BlbkFJ{forge.text(B64URL, 64)}"
    twilio = forge.text(HEX, 32)
    build.write(
        ".env.production",
        f"AWS_ACCESS_KEY_ID={aws_id}\nAWS_SECRET_ACCESS_KEY={aws_secret}\nOPENAI_API_KEY={openai}\n"
        f"TWILIO_AUTH_TOKEN={twilio}\n",
        [
            ("aws-access-key-id", aws_id),
            ("aws-secret-access-key", aws_secret),
            ("openai-api-key", openai),
            ("twilio-auth-token", twilio),
        ],
    )
    readme_ghp, hook = forge.github(), forge.slack_webhook()
    build.write(
        "README.md",
        "# Orders\n\nClone the private dependencies:\n\n"
        f"    git clone https://{readme_ghp}@github.com/corp/orders-deps.git\n",
        [("github-pat", readme_ghp)],
    )
    build.write(
        "web/src/alerts.js",
        f"export const SLACK_ALERTS = '{hook}';\n",
        [("slack-webhook", hook)],
    )
    stripe = "sk_live_" + forge.text(ALNUM, 99)
    build.write(
        "public/billing.php",
        f"<?php\n\\Stripe\\Stripe::setApiKey('{stripe}');\n",
        [("stripe-secret-key", stripe)],
    )
    sendgrid, anthropic = (
        f"SG.{forge.text(B64URL, 22)}.{forge.text(B64URL, 43)}",
        (f"sk-ant-api03-{forge.text(B64URL, 93)}AA"),
    )
    build.write(
        "config/providers.json",
        json.dumps({"mail": {"sendgrid": sendgrid}, "llm": {"anthropic": anthropic}}, indent=2) + "\n",
        [("sendgrid-api-key", sendgrid), ("anthropic-api-key", anthropic)],
    )
    jwt = forge.jwt()
    build.write(
        "api/orders.http",
        f"GET https://orders.corp.internal/v1/orders\nAuthorization: Bearer {jwt}\n",
        [("jwt", jwt)],
    )
    maps = "AIza" + forge.text(B64URL, 35)
    build.write(
        "android/app/src/main/res/values/keys.xml",
        f'<resources>\n    <string name="google_maps_key">{maps}</string>\n</resources>\n',
        [("google-api-key", maps)],
    )
    rsa = forge.pem("RSA PRIVATE KEY", 600)
    indented = "\n".join("    " + line for line in rsa.splitlines())
    build.write(
        "ansible/host_vars/web.yml",
        f"deploy_user: web\ndeploy_ssh_key: |\n{indented}\n",
        [("private-key-rsa", rsa.replace("\n", "\n    "), "-----BEGIN RSA PRIVATE KEY-----")],
    )


def _legacy_file(build: Builder, forge: Forge) -> None:
    """Committed once, deleted later: only the history holds these."""
    aws_id, aws_secret = forge.aws_pair()
    legacy_pw = forge.password()
    build.write(
        "config/legacy.yml",
        f"aws:\n  access_key_id: {aws_id}\n  secret_access_key: {aws_secret}\n"
        f"database:\n  password: {legacy_pw}\n",
        [
            ("aws-access-key-id", aws_id),
            ("aws-secret-access-key", aws_secret),
            ("generic-password", legacy_pw),
        ],
        history_only=True,
    )


def _side_branch(build: Builder, forge: Forge, git: _Git) -> None:
    """A branch that was never merged: its secrets exist only in its history."""
    git("checkout", "-q", "-b", "experiment/billing")
    stripe = "sk_live_" + forge.text(ALNUM, 99)
    sendgrid = f"SG.{forge.text(B64URL, 22)}.{forge.text(B64URL, 43)}"
    build.write(
        "experiments/billing.py",
        f'STRIPE_KEY = "{stripe}"\nSENDGRID_API_KEY = "{sendgrid}"\n',
        [("stripe-secret-key", stripe), ("sendgrid-api-key", sendgrid)],
        history_only=True,
    )
    git.commit("Try the new billing provider", 5)
    git("checkout", "-q", "main")


def _credential_files(build: Builder, forge: Forge) -> None:
    """Files that exist to hold credentials."""
    netrc_pw, pgpass_pw, gitcred = forge.password(), forge.password(), forge.text(ALNUM, 16)
    build.write(
        "home/.netrc",
        f"machine ftp.corp.internal\n  login deploy\n  password {netrc_pw}\n",
        [("netrc-password", netrc_pw)],
    )
    build.write(
        "home/.pgpass",
        f"# host:port:db:user:password\ndb.corp.internal:5432:orders:app:{pgpass_pw}\n",
        [("pgpass-password", pgpass_pw)],
    )
    build.write(
        "home/.git-credentials",
        f"https://ci:{gitcred}@bitbucket.org\n",
        [("git-credentials", gitcred)],
    )
    npm_auth = forge.text(ALNUM, 24)
    npm_token = forge.npm()
    build.write(
        "home/.npmrc",
        f"//npm.corp.internal/:_authToken={npm_auth}\n//registry.npmjs.org/:_authToken={npm_token}\n",
        [("npmrc-auth", npm_auth), ("npm-token", npm_token)],
    )
    pypirc_pw = forge.password()
    build.write(
        "home/.pypirc",
        "[distutils]\nindex-servers = internal\n\n[internal]\nrepository = https://pypi.corp.internal/\n"
        f"username = deploy\npassword = {pypirc_pw}\n",
        [("pypirc-password", pypirc_pw)],
    )


def _registry_and_cloud_files(build: Builder, forge: Forge) -> None:
    """Registry, web-server and cloud credential files."""
    docker_auth = base64.b64encode(f"ci-bot:{forge.password()}".encode()).decode()
    build.write(
        "home/.docker/config.json",
        json.dumps({"auths": {"registry.corp.internal": {"auth": docker_auth}}}, indent=2) + "\n",
        [("docker-config-auth", docker_auth)],
    )
    sha = "{SHA}" + base64.b64encode(forge.rng.randbytes(20)).decode()
    build.write("site/.htpasswd", f"admin:{sha}\n", [("htpasswd-hash", sha)])
    s3_secret = forge.text(ALNUM, 32)
    build.write(
        "home/.s3cfg",
        "[default]\nhost_base = s3.minio.corp.internal\naccess_key = backup-agent\n"
        f"secret_key = {s3_secret}\n",
        [("s3cfg-secret", s3_secret)],
    )
    session = "FwoGZXIvYXdzE" + forge.text(B64, 300)
    aws_id, aws_secret = forge.aws_pair()
    build.write(
        "home/.aws/credentials",
        f"[default]\naws_access_key_id = {aws_id}\naws_secret_access_key = {aws_secret}\n"
        f"aws_session_token = {session}\n",
        [
            ("aws-access-key-id", aws_id),
            ("aws-secret-access-key", aws_secret),
            ("aws-session-token", session),
        ],
    )
    fz_pw = forge.password()
    fz_b64 = base64.b64encode(fz_pw.encode()).decode()
    build.write(
        "home/.config/filezilla/sitemanager.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<FileZilla3>\n  <Servers>\n    <Server>\n'
        "      <Host>ftp.corp.internal</Host>\n      <User>deploy</User>\n"
        f'      <Pass encoding="base64">{fz_b64}</Pass>\n'
        "    </Server>\n  </Servers>\n</FileZilla3>\n",
        [("filezilla-password", fz_pw, fz_b64, "base64")],
    )
    sftp_pw, mycnf_pw = forge.password(), forge.password()
    build.write(
        "web/sftp-config.json",
        '{\n    "type": "sftp",\n    "host": "web.corp.internal",\n    "user": "deploy",\n'
        f'    "password": "{sftp_pw}",\n    "remote_path": "/srv/www"\n}}\n',
        [("sftp-config-password", sftp_pw)],
    )
    build.write(
        "home/.my.cnf",
        f"[client]\nuser=backup\npassword={mycnf_pw}\n",
        [("mysql-option-file", mycnf_pw)],
    )


def _key_files(build: Builder, forge: Forge) -> None:
    """Private keys in their usual files (public keys and certificates beside them are decoys)."""
    rsa = forge.pem("RSA PRIVATE KEY", 1190)
    build.write("keys/deploy_rsa.pem", rsa + "\n", [("private-key-rsa", rsa)])
    ec = forge.pem("EC PRIVATE KEY", 119)
    build.write("keys/signing-ec.pem", ec + "\n", [("private-key-ec", ec)])
    body = base64.b64encode(b"openssh-key-v1\x00" + forge.rng.randbytes(380)).decode()
    wrapped = "\n".join(body[i : i + 70] for i in range(0, len(body), 70))
    openssh = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{wrapped}\n-----END OPENSSH PRIVATE KEY-----"
    build.write("home/.ssh/id_ed25519", openssh + "\n", [("private-key-openssh", openssh)])
    pkcs8 = forge.pem("PRIVATE KEY", 1210)
    escaped = pkcs8.replace("\n", "\\n")
    build.write(
        "config/service-account.json",
        json.dumps(
            {
                "type": "service_account",
                "project_id": "orders-prod",
                "private_key_id": forge.text(HEX, 40),
                "private_key": pkcs8 + "\n",
                "client_email": "orders@orders-prod.iam.gserviceaccount.com",
            },
            indent=2,
        )
        + "\n",
        [("google-service-account", escaped)],
    )
    public = forge.pem("PUBLIC KEY", 290)
    cert = forge.pem("CERTIFICATE", 900)
    ssh_pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + forge.text(B64, 43) + " deploy@corpus"
    build.write("keys/deploy_rsa.pub.pem", public + "\n", decoys=[("public-key", public)])
    build.write("certs/server.crt", cert + "\n", decoys=[("certificate", cert)])
    build.write("home/.ssh/authorized_keys", ssh_pub + "\n", decoys=[("ssh-public-key", ssh_pub)])


def _encoded_files(build: Builder, forge: Forge) -> None:
    """Secrets hidden by an encoding: the finding must point at the encoded text."""
    k8s_pw, k8s_ghp = forge.password(), forge.github()
    registry_pw = forge.password()
    docker_json = json.dumps(
        {"auths": {"ghcr.io": {"auth": base64.b64encode(f"ci-bot:{registry_pw}".encode()).decode()}}}
    )
    b64 = {v: base64.b64encode(v.encode()).decode() for v in (k8s_pw, k8s_ghp, docker_json, "admin")}
    build.write(
        "k8s/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: orders\ntype: Opaque\ndata:\n"
        f"  username: {b64['admin']}\n"
        f"  password: {b64[k8s_pw]}\n"
        f"  github-token: {b64[k8s_ghp]}\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: registry\n"
        "type: kubernetes.io/dockerconfigjson\ndata:\n"
        f"  .dockerconfigjson: {b64[docker_json]}\n",
        [
            ("generic-password", k8s_pw, b64[k8s_pw], "base64"),
            ("github-pat", k8s_ghp, b64[k8s_ghp], "base64"),
            ("docker-registry-password", registry_pw, b64[docker_json], "base64+base64"),
        ],
    )
    env_stripe, env_pw = "sk_live_" + forge.text(ALNUM, 99), forge.password()
    env_b64 = base64.b64encode(f"STRIPE_SECRET_KEY={env_stripe}\nDB_PASSWORD={env_pw}\n".encode()).decode()
    build.write(
        "ci/variables.yml",
        f"variables:\n  DOTENV_B64: {env_b64}\n",
        [
            ("stripe-secret-key", env_stripe, env_b64, "base64"),
            ("generic-password", env_pw, env_b64, "base64"),
        ],
    )
    hook, json_pw = forge.slack_webhook(), forge.password()
    hook_escaped = hook.replace("/", "\\/")
    amp = json_pw[:5] + "\\u0026" + json_pw[5:]
    build.write(
        "config/services.json",
        f'{{\n  "alerts": {{\n    "slack": "{hook_escaped}",\n    "smtp_password": "{amp}"\n  }}\n}}\n',
        [
            ("slack-webhook", hook, hook_escaped, "json"),
            ("generic-password", json_pw[:5] + "&" + json_pw[5:], amp, "json"),
        ],
    )
    url_pw = forge.text(ALNUM, 16)
    target = f"https://sync:{url_pw}@git.corp.internal/org/repo.git"
    quoted = urllib.parse.quote(target, safe="")
    build.write(
        "web/redirects.txt",
        f"/mirror https://gateway.corp.internal/login?next={quoted}\n",
        [("url-password", url_pw, quoted, "percent")],
    )


def _notebook(build: Builder, forge: Forge) -> None:
    """A Jupyter notebook: secrets in cell sources and outputs, an image that is not one."""
    api_key, openai = forge.password(24), f"sk-proj-{forge.text(B64URL, 64)}T3BlbkFJ{forge.text(B64URL, 64)}"
    output_pw = forge.password()
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + forge.rng.randbytes(600)).decode()
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": [
                    "import openai\n",
                    f'openai.api_key = "{openai}"\n',
                    f'weather_api_key = "{api_key}"\n',
                ],
                "outputs": [],
                "execution_count": 1,
            },
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["print(open('db.env').read())"],
                "outputs": [
                    {"name": "stdout", "output_type": "stream", "text": [f"DB_PASSWORD={output_pw}\n"]},
                    {"output_type": "display_data", "metadata": {}, "data": {"image/png": png}},
                ],
                "execution_count": 2,
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(notebook, indent=1) + "\n"
    build.write(
        "notebooks/analysis.ipynb",
        text,
        [
            ("openai-api-key", openai),
            ("generic-api-key", api_key, f'weather_api_key = \\"{api_key}'),
            ("generic-password", output_pw, f"DB_PASSWORD={output_pw}"),
        ],
        [("base64-image", png)],
    )


def _decoy_files(build: Builder, forge: Forge) -> None:
    """Hard negatives (every one must stay unreported): wrong checksums, test values, documentation
    dummies."""
    bad_ghp = broken_checksum(forge.github())
    bad_fine = forge.github_fine_grained()
    bad_fine = bad_fine[:77] + ("AAAAAAAA" if bad_fine[77:85] != "AAAAAAAA" else "BBBBBBBB") + bad_fine[85:]
    bad_npm = broken_checksum(forge.npm())
    build.write(
        "tests/test_tokens.py",
        "# Tokens whose checksum is wrong cannot be real; the parser must still accept their shape.\n"
        f'MALFORMED = ["{bad_ghp}", "{bad_fine}", "{bad_npm}"]\n'
        'password = "test_password_123"\n'
        'api_key = "fake-api-key-for-tests"\n'
        'SECRET_KEY = "change-me"\n'
        'session_token = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"\n',
        decoys=[
            ("github-bad-checksum", bad_ghp),
            ("github-bad-checksum", bad_fine),
            ("npm-bad-checksum", bad_npm),
            ("test-value", "test_password_123"),
            ("test-value", "fake-api-key-for-tests"),
            ("test-value", "change-me"),
            ("uuid", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        ],
    )
    jwt_io = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
        "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    )
    build.write(
        "docs/getting-started.md",
        "# Getting started\n\nConfigure the AWS CLI (values from the AWS documentation):\n\n"
        "    aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n"
        "Call the API with a token:\n\n"
        f"    curl -H 'Authorization: Bearer {jwt_io}' https://api.corp.internal/v1/me\n"
        "    curl -H 'Authorization: Bearer <your-access-token>' https://api.corp.internal/v1/me\n"
        "    curl -H 'Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=' https://api.corp.internal/v1/me\n\n"
        "GitHub's API docs show `ghu_16C7e42F292c6912E7710c838347Ae178B4a` as a user token.\n"
        "Stripe's docs use `sk_test_4eC39HqLyjWDarjtT1zdp7dc`; Telegram's use "
        "`123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11`.\n"
        "Slack webhooks look like https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n"
        "Connect with postgres://user:password@localhost:5432/mydb\n",
        decoys=[
            ("aws-docs-dummy", "AKIAIOSFODNN7EXAMPLE"),
            ("aws-docs-dummy", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ("jwt-io-dummy", jwt_io),
            ("placeholder", "<your-access-token>"),
            ("basic-dummy", "dXNlcm5hbWU6cGFzc3dvcmQ="),
            ("github-docs-dummy", "ghu_16C7e42F292c6912E7710c838347Ae178B4a"),
            ("stripe-docs-dummy", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"),
            ("telegram-docs-dummy", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"),
            (
                "slack-placeholder",
                "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
            ),
            ("url-dummy", "postgres://user:password@localhost:5432/mydb"),
        ],
    )


def _decoy_placeholders(build: Builder, forge: Forge) -> None:
    """Placeholders and templates."""
    build.write(
        ".env.example",
        "DB_PASSWORD=your_db_password_here\nSTRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\n"
        "GITHUB_TOKEN=${GITHUB_TOKEN}\nAPI_KEY=<your-api-key>\n",
        decoys=[
            ("placeholder", "your_db_password_here"),
            ("placeholder", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
            ("placeholder", "${GITHUB_TOKEN}"),
            ("placeholder", "<your-api-key>"),
        ],
    )
    build.write(
        "deploy/chart/templates/secret.yaml",
        "stringData:\n  password: {{ .Values.db.password | quote }}\n"
        "  token: '{{ required \"token\" .Values.token }}'\n",
        decoys=[("template", "{{ .Values.db.password | quote }}")],
    )


def _decoy_data(build: Builder, forge: Forge) -> None:
    """Hashes, commit ids, digests, images and encoded dummies."""
    integrity = "sha512-" + base64.b64encode(forge.rng.randbytes(64)).decode()
    build.write(
        "web/package-lock.json",
        json.dumps(
            {
                "name": "web",
                "lockfileVersion": 3,
                "packages": {
                    "node_modules/left-pad": {
                        "version": "1.3.0",
                        "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
                        "integrity": integrity,
                    }
                },
            },
            indent=2,
        )
        + "\n",
        decoys=[("lockfile-integrity", integrity)],
    )
    digest = forge.text(HEX, 64)
    build.write(
        "poetry.lock",
        f'[[package]]\nname = "requests"\nversion = "2.32.3"\n\n[package.files]\nhash = "sha256:{digest}"\n',
        decoys=[("lockfile-hash", digest)],
    )
    commit = forge.text(HEX, 40)
    build.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: https://github.com/psf/black\n    rev: {commit}\n    hooks:\n      - id: black\n",
        decoys=[("commit-id", commit)],
    )
    token_digest = forge.text(HEX, 64)
    build.write(
        "config/audit.yml",
        f"api_key_sha256: {token_digest}\nrequest_id: {forge.text(HEX, 8)}-{forge.text(HEX, 4)}\n",
        decoys=[("hex-digest", token_digest)],
    )
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + forge.rng.randbytes(300)).decode()
    image = "data:image/png;base64," + png
    build.write(
        "web/static/logo.css",
        f".logo {{ background-image: url({image}); }}\n",
        decoys=[("base64-image", image)],
    )
    dummy_b64 = base64.b64encode(b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").decode()
    build.write(
        "k8s/example-secret.yaml",
        f"apiVersion: v1\nkind: Secret\ndata:\n  aws_secret_access_key: {dummy_b64}\n",
        decoys=[("encoded-dummy", dummy_b64)],
    )


def score(corpus: Corpus, findings: list[Reported], history: bool, lines: bool = True) -> Score:
    """Match findings to the truth: a finding is true when it names a planted credential's path,
    line (unless `lines` is false, or the scanner gives none) and secret (equal, contained either
    way, or equal after decoding the finding's base64, percent or JSON-escaped form)."""
    expected = corpus.expected(history)
    found: set[int] = set()
    true_findings, false_findings = [], []
    for finding in findings:
        hits = [
            i for i, p in enumerate(expected) if _same(finding, p.path, p.line if lines else None, p.secret)
        ]
        if hits:
            found.update(hits)
            true_findings.append(finding)
        else:
            false_findings.append(finding)
    decoys = [
        d
        for d in corpus.decoys
        if any(_same(f, d.path, d.line if lines else None, d.value) for f in findings)
    ]
    return Score(
        found=[p for i, p in enumerate(expected) if i in found],
        missed=[p for i, p in enumerate(expected) if i not in found],
        true_findings=true_findings,
        false_findings=false_findings,
        decoys_reported=decoys,
    )


def _same(finding: Reported, path: str, line: int | None, secret: str) -> bool:
    if finding.path != path:
        return False
    if line is not None and finding.line is not None and finding.line != line:
        return False
    return any(_agrees(candidate, secret) for candidate in (finding.secret, *finding.related))


def _agrees(reported: str, truth: str) -> bool:
    if reported.startswith("sha1:"):  # detect-secrets keeps only a hash of what it found
        return reported[5:] == hashlib.sha1(truth.encode()).hexdigest()
    forms = {reported, reported.replace("\\n", "\n"), urllib.parse.unquote(reported)}
    for encoded in (reported, reported.rpartition(" ")[2]):  # gitleaks reports "key: value"
        with contextlib.suppress(ValueError):
            forms.add(base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode())
    truth_forms = {truth, truth.replace("\\n", "\n")}
    for form in forms:
        for t in truth_forms:
            if form == t or (len(form) >= 8 and form in t) or (len(t) >= 8 and t in form):
                return True
    return False
