"""Passwords in credential files and connection URLs, found in the working tree and in history
with both engines: `.netrc` (one-line and multi-line), `.pgpass`, and URL passwords for
PostgreSQL, MySQL, MongoDB (+srv), Redis (rediss) and AMQP (amqps) in JSON, YAML and .env files."""

from __future__ import annotations

import json

from gitrepo import GitRepo

FILES = {
    ".netrc": "machine api.example.com login deploy password Xk29vLq8Zr4pT7wN\n",
    "home/.netrc": "machine git.corp.example\n  login ci\n  password Qm7tR2vX9pLk4sWz\n",
    ".pgpass": "db.corp.example:5432:orders:app:Hy8kP3mZq9Lw2Rt\n",
    "config.json": (
        '{"database": {"url": "postgres://app:Vb7nQ2xL9kPz4Rt8@db.corp.example:5432/orders"},\n'
        ' "mysql": "mysql://root:Tg5hJ8kL2mNq7Wx3@mysql.internal:3306/app",\n'
        ' "mongo": "mongodb+srv://svc:Zx8cV5bN2mLk9Pq4@cluster0.ab1cd.mongodb.net/prod",\n'
        ' "cache": "rediss://:Rf4tG7yH1jKl6Mn9@cache.corp.example:6380/0",\n'
        ' "queue": "amqps://broker:Pl9oK8ij7UhY6tGf@mq.corp.example:5671/vhost"}\n'
    ),
    "deploy/settings.yaml": (
        "database_url: postgresql://app:Wq3eR5tY7uI9oP2a@pg.corp.example/app\n"
        'redis_url: "redis://default:Hn6bV4cX2zL8kJ5g@redis.corp.example:6379"\n'
    ),
    ".env": (
        "DATABASE_URL=mysql://app:Jk4lM7nB2vC9xZ5q@10.0.0.5/app\n"
        "AMQP_URL=amqp://guest:guest@localhost:5672/\n"  # the broker's documented default: not a leak
        "MONGO_URL=mongodb://user:password@localhost/db\n"  # a placeholder
        "PG_URL=postgres://app:${PG_PASSWORD}@db:5432/app\n"  # a variable
    ),
}

EXPECTED = sorted(
    [
        ("netrc-password", ".netrc", 1, "Xk29vLq8Zr4pT7wN"),
        ("netrc-password", "home/.netrc", 3, "Qm7tR2vX9pLk4sWz"),
        ("pgpass-password", ".pgpass", 1, "Hy8kP3mZq9Lw2Rt"),
        ("postgres-url-password", "config.json", 1, "Vb7nQ2xL9kPz4Rt8"),
        ("mysql-url-password", "config.json", 2, "Tg5hJ8kL2mNq7Wx3"),
        ("mongodb-url-password", "config.json", 3, "Zx8cV5bN2mLk9Pq4"),
        ("redis-url-password", "config.json", 4, "Rf4tG7yH1jKl6Mn9"),
        ("amqp-url-password", "config.json", 5, "Pl9oK8ij7UhY6tGf"),
        ("postgres-url-password", "deploy/settings.yaml", 1, "Wq3eR5tY7uI9oP2a"),
        ("redis-url-password", "deploy/settings.yaml", 2, "Hn6bV4cX2zL8kJ5g"),
        ("mysql-url-password", ".env", 1, "Jk4lM7nB2vC9xZ5q"),
    ]
)


def _found(stdout: bytes) -> list[tuple[str, str, int, str]]:
    return sorted((f["rule_id"], f["path"], f["line"], f["secret"]) for f in json.loads(stdout)["findings"])


def test_credential_files_and_url_passwords_in_the_working_tree(tmp_path, run, engine):
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    done = run("scan", ".", "--format", "json", "--show-secrets", "--engine", engine, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert _found(done.stdout) == EXPECTED


def test_credential_files_and_url_passwords_deleted_from_history(tmp_path, run, engine):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("credentials", dict(FILES))
    repo.git("rm", "-q", "-r", ".")
    repo.commit("remove them", {"README": "nothing here now\n"})
    done = run("git", str(repo.path), "--format", "json", "--show-secrets", "--engine", engine)
    assert done.returncode == 1, done.stderr
    assert _found(done.stdout) == EXPECTED


def test_credential_file_moved_away_is_still_found_where_it_was(tmp_path, run, engine):
    # The log pass meets the newest commit first: there the blobs sit at paths no credential-file
    # rule names. Where an older commit had them (.pgpass, .netrc) they are scanned again.
    repo = GitRepo(tmp_path / "repo")
    added = repo.commit(
        "credentials",
        {".pgpass": FILES[".pgpass"], "home/.netrc": FILES["home/.netrc"], "README": "ops notes\n"},
    )
    (repo.path / "ops").mkdir()
    repo.git("mv", ".pgpass", "ops/pgpass.sample")
    repo.git("mv", "home/.netrc", "ops/netrc-example.txt")
    repo.commit("keep them as samples")
    done = run("git", str(repo.path), "--format", "json", "--show-secrets", "--engine", engine)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    found = sorted((f["rule_id"], f["path"], f["line"], f["secret"], f["commit"]) for f in report["findings"])
    assert found == [
        ("netrc-password", "home/.netrc", 3, "Qm7tR2vX9pLk4sWz", added),
        ("pgpass-password", ".pgpass", 1, "Hy8kP3mZq9Lw2Rt", added),
    ]
    assert report["scan"]["files"] == 3  # each blob counted once, though two were scanned twice
