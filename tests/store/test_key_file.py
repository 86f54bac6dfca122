"""Damage to keyslots.json is named as damage, never as a wrong passphrase: every byte is
covered, truncation and files swapped between offices are recognised, `check` verifies every
slot it can (the recovery slot included), and old files are upgraded safely."""

import json
import shutil

import pytest

from desktop.errors import InvalidInput, KeyFileDamaged, OfficeError, WrongPassphrase
from desktop.store.integrity import check_store
from desktop.store.keyfile import database_id_of, parse_key_file, serialise, slot_check
from desktop.store.keyslots import KeySlots
from desktop.store.office import Office
from tests.conftest import PASSPHRASE, run_cli

CLERK_PASSPHRASE = "clerk passphrase"
# Cheap Argon2id, so every byte of the file can be tried in a few seconds; the format and
# every check are the same as with the real parameters.
CHEAP = {"iterations": 1, "lanes": 1, "memory_cost": 8}


@pytest.fixture
def two_users(tmp_path):
    """An office with admin 张三 and clerk 李四, its key file written with cheap KDF
    parameters (same slots, same format); returns (folder, recovery key)."""
    folder = tmp_path / "office"
    office, recovery = Office.create(folder, org_unit="340104", office_name="蜀山区科技局",
                                     admin="张三", passphrase=PASSPHRASE)
    with office:
        office.add_user("李四", "clerk", CLERK_PASSPHRASE)
        slots = KeySlots(office_id=office.office_id)
        slots.set_passphrase("张三", PASSPHRASE, office._key, CHEAP)
        slots.set_passphrase("李四", CLERK_PASSPHRASE, office._key, CHEAP)
        slots.set_recovery(recovery, office._key)
        slots.save(folder / "keyslots.json", office._key, database_id_of(folder / "office.db"))
    return folder, recovery


def attempt(open_office):
    """What a person would see: 'ok+warning', 'ok', or the error's class name."""
    try:
        office = open_office()
    except OfficeError as exc:
        return type(exc).__name__
    with office:
        return "ok+warning" if office.key_file_warnings else "ok"


def openers(folder, recovery):
    return (lambda: Office.unlock(folder, None, PASSPHRASE),
            lambda: Office.unlock(folder, "李四", CLERK_PASSPHRASE),
            lambda: Office.unlock_with_recovery(folder, recovery, "张三"))


def unwrap_outcomes(raw: bytes, recovery: str) -> list[str]:
    """The same three unlocks on the file's bytes alone (no database): fast enough for every byte."""
    outcomes = []
    for unlock in (lambda s: s.unlock(None, PASSPHRASE), lambda s: s.unlock("李四", CLERK_PASSPHRASE),
                   lambda s: s.unlock_with_recovery(recovery)):
        try:
            slots = KeySlots.from_key_file(parse_key_file(raw))
            unlock(slots)
        except OfficeError as exc:
            outcomes.append(type(exc).__name__)
        else:
            outcomes.append("ok+warning" if slots.damaged else "ok")
    return outcomes


def flipped(intact: bytes, i: int) -> bytes:
    damaged = bytearray(intact)
    damaged[i] ^= 0x01
    return bytes(damaged)


def test_every_byte_flipped_is_damage_never_a_wrong_passphrase(two_users):
    folder, recovery = two_users
    path = folder / "keyslots.json"
    intact = path.read_bytes()
    assert unwrap_outcomes(intact, recovery) == ["ok"] * 3
    seen = set()
    for i in range(len(intact)):
        outcomes = unwrap_outcomes(flipped(intact, i), recovery)
        # Never "wrong passphrase" or "wrong recovery key", never a bug, never silently fine.
        assert set(outcomes) <= {"KeyFileDamaged", "ok+warning"}, (i, chr(intact[i]), outcomes)
        seen.update(outcomes)
    assert seen == {"KeyFileDamaged", "ok+warning"}
    # The same through the real path (file on disk, database opened) for a fifth of them.
    for i in range(0, len(intact), 5):
        path.write_bytes(flipped(intact, i))
        for open_office in openers(folder, recovery):
            assert attempt(open_office) in ("KeyFileDamaged", "ok+warning"), i
        assert path.read_bytes() == flipped(intact, i)  # opening writes nothing


def test_check_reports_flipped_bytes(two_users):
    folder, _ = two_users
    path = folder / "keyslots.json"
    intact = path.read_bytes()
    for i in range(0, len(intact), 11):
        path.write_bytes(flipped(intact, i))
        try:
            report = check_store(folder, None, PASSPHRASE)
        except WrongPassphrase:
            pytest.fail(f"byte {i}: damage reported as a wrong passphrase")
        assert not report.ok, i


def test_truncated_at_every_length_is_damage(two_users):
    folder, recovery = two_users
    path = folder / "keyslots.json"
    intact = path.read_bytes()
    for length in range(len(intact)):
        # Only the last newline gone leaves every slot whole: in, with a warning.
        expected = "ok+warning" if length == len(intact) - 1 else "KeyFileDamaged"
        assert unwrap_outcomes(intact[:length], recovery) == [expected] * 3, length
    for length in range(0, len(intact), 50):
        path.write_bytes(intact[:length])
        assert attempt(lambda: Office.unlock(folder, None, PASSPHRASE)) == "KeyFileDamaged"
    path.write_bytes(intact + b" " * (2 << 20))  # a giant is not even read
    assert attempt(lambda: Office.unlock(folder, None, PASSPHRASE)) == "KeyFileDamaged"
    path.unlink()
    missing = run_cli(folder, "record", "list")
    assert missing.returncode == 3 and "密钥文件 keyslots.json 不见了" in missing.stderr


def rewrite(path, change) -> None:
    body = json.loads(path.read_bytes())
    change(body)
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")


def flip_char(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]


def test_damage_is_named_on_the_command_line_never_a_wrong_passphrase_or_a_bug(office_dir):
    path = office_dir / "keyslots.json"
    intact = path.read_bytes()
    damages = {
        "wrapped key": lambda body: body["slots"][0].update(wrapped=flip_char(body["slots"][0]["wrapped"], 10)),
        "KDF parameter": lambda body: body["slots"][0]["kdf"].update(memory_cost="64 MiB"),
        "KDF name": lambda body: body["slots"][0]["kdf"].update(name="argon2x"),
    }
    for what, damage in damages.items():
        path.write_bytes(intact)
        rewrite(path, damage)
        for lang, expected, never in (("zh", "密钥文件已损坏", "口令不正确"), ("en", "key file is damaged", "Wrong passphrase")):
            result = run_cli(office_dir, "record", "list", ANHUI_COLLECT_LANG=lang)
            assert result.returncode == 3, (what, result.stderr)
            assert expected in result.stderr and never not in result.stderr, (what, result.stderr)
            assert "意外" not in result.stderr and "unexpected" not in result.stderr
            # The command line names its own way to use the recovery key, not the desktop app's button.
            assert "忘记口令" not in result.stderr and "Forgot" not in result.stderr
            if what == "wrapped key":
                assert "user passwd" in result.stderr and "--recovery" in result.stderr, result.stderr


def test_damage_to_the_recovery_slot_fails_check(office_dir):
    path = office_dir / "keyslots.json"
    assert run_cli(office_dir, "check").returncode == 0
    rewrite(path, lambda body: next(s for s in body["slots"] if s["kind"] == "recovery").update(
        wrapped=flip_char(next(s for s in body["slots"] if s["kind"] == "recovery")["wrapped"], 20)))
    result = run_cli(office_dir, "check")
    assert result.returncode == 3 and "恢复密钥槽已损坏" in result.stderr, result.stderr
    # The admin's own slot is intact: other commands work, and say to run check.
    listing = run_cli(office_dir, "record", "list")
    assert listing.returncode == 0 and "请运行 check" in listing.stderr


def test_slots_moved_within_the_file_are_damage_not_a_wrong_passphrase(two_users):
    folder, recovery = two_users
    path = folder / "keyslots.json"
    intact = path.read_bytes()
    body = json.loads(intact)
    body["slots"][0], body["slots"][1] = body["slots"][1], body["slots"][0]  # the clerk's slot first now
    path.write_bytes(serialise(body))
    # The first admin, by default: the first slot is no longer theirs, and that is damage.
    assert attempt(lambda: Office.unlock(folder, None, PASSPHRASE)) == "KeyFileDamaged"
    assert attempt(lambda: Office.unlock(folder, "张三", PASSPHRASE)) == "ok+warning"
    assert attempt(lambda: Office.unlock(folder, "李四", CLERK_PASSPHRASE)) == "ok+warning"
    # One slot's bytes damaged: that slot alone is named, nothing else.
    body = json.loads(intact)
    body["slots"][2]["nonce"] = body["slots"][2]["nonce"][::-1]
    path.write_bytes(serialise(body))
    slots = KeySlots.load(path)
    assert [d.position for d in slots.found.damaged_slots] == [2] and not slots.found.other_damage
    assert len(slots.damage_report()) == 1


def test_slots_and_files_moved_between_offices_are_named(two_users, tmp_path):
    folder, _ = two_users
    other, _ = Office.create(tmp_path / "other", org_unit="340104", office_name="另一个办公室",
                             admin="张三", passphrase=PASSPHRASE)
    other.close()
    # The whole file of another office (same user, same passphrase): named, not "damaged page".
    own = (folder / "keyslots.json").read_bytes()
    shutil.copy(tmp_path / "other" / "keyslots.json", folder / "keyslots.json")
    with pytest.raises(KeyFileDamaged, match="does not belong to this database"):
        Office.unlock(folder, None, PASSPHRASE)
    # One slot moved in from the other office's file: damage, not a wrong passphrase.
    body = json.loads(own)
    body["slots"][0] = json.loads((tmp_path / "other" / "keyslots.json").read_bytes())["slots"][0]
    (folder / "keyslots.json").write_bytes(serialise(body))
    with pytest.raises(KeyFileDamaged):
        Office.unlock(folder, "张三", PASSPHRASE)


def test_check_covers_the_recovery_slot(two_users):
    folder, recovery = two_users
    path = folder / "keyslots.json"
    intact = path.read_bytes()
    assert check_store(folder, None, PASSPHRASE, recovery_key=recovery).ok
    body = json.loads(intact)
    position = next(i for i, s in enumerate(body["slots"]) if s["kind"] == "recovery")
    slot = body["slots"][position]
    slot["nonce"] = slot["nonce"][:4] + ("A" if slot["nonce"][4] != "A" else "B") + slot["nonce"][5:]
    path.write_bytes(serialise(body))
    report = check_store(folder, None, PASSPHRASE)
    assert not report.ok and any("恢复密钥槽已损坏" in zh for zh, _ in report.problems)
    with pytest.raises(KeyFileDamaged, match="recovery key slot"):
        Office.unlock_with_recovery(folder, recovery, "张三")
    # Forged so that every check sum matches (by someone without the database key): only the
    # MAC under the database key tells, and check says so.
    office_id = body["office_id"]
    from desktop.store.keyfile import KeySlot, file_check

    forged = KeySlot(**{k: slot[k] for k in ("kind", "tag", "kdf", "nonce", "wrapped")})
    slot["check"] = slot_check(office_id, forged)
    body["check"] = file_check(body)
    path.write_bytes(serialise(body))
    report = check_store(folder, None, PASSPHRASE)
    assert not report.ok and any("被人改动过" in zh for zh, _ in report.problems)
    with Office.unlock(folder, None, PASSPHRASE) as office:
        assert any("被人改动过" in zh for zh, _ in office.key_file_warnings)
    # A new recovery key repairs it; the old one no longer opens the office.
    result = run_cli(folder, "recovery-key")
    assert result.returncode == 0, result.stderr
    new_key = result.stdout.split("\n\n")[1].strip()
    assert check_store(folder, None, PASSPHRASE, recovery_key=new_key).ok
    with pytest.raises(InvalidInput):
        Office.unlock_with_recovery(folder, recovery, "张三")


def test_check_names_the_user_and_repair_then_passwd_restores_them(two_users):
    folder, _ = two_users
    path = folder / "keyslots.json"
    body = json.loads(path.read_bytes())
    clerk = next(s for s in body["slots"] if s["tag"] == KeySlots(body["office_id"]).tag("passphrase", "李四"))
    clerk["kdf"]["iterations"] += 1
    path.write_bytes(serialise(body))
    result = run_cli(folder, "check")
    assert result.returncode == 3 and "用户“李四”的密钥槽已损坏" in result.stderr
    assert run_cli(folder, "check", "--repair").returncode == 3  # repaired file, but 李四 has no slot
    assert "用户“李四”没有可用的密钥槽" in run_cli(folder, "check").stderr
    assert run_cli(folder, "user", "passwd", "李四", ANHUI_COLLECT_NEW_PASSPHRASE="new clerk passphrase").returncode == 0
    assert run_cli(folder, "check").returncode == 0
    Office.unlock(folder, "李四", "new clerk passphrase").close()


def test_format_1_files_are_upgraded_once_the_key_is_proven(two_users):
    folder, recovery = two_users
    path = folder / "keyslots.json"
    body = json.loads(path.read_bytes())
    legacy = {"format": 1, "office_id": body["office_id"],
              "slots": [{k: s[k] for k in ("kind", "tag", "kdf", "nonce", "wrapped")} for s in body["slots"]]}
    legacy_bytes = json.dumps(legacy, ensure_ascii=False, indent=2).encode("utf-8")
    path.write_bytes(legacy_bytes)
    with pytest.raises(WrongPassphrase):  # format 1 cannot tell; the file is left as it was
        Office.unlock(folder, None, "not the passphrase")
    assert path.read_bytes() == legacy_bytes
    check = check_store(folder, None, PASSPHRASE)
    assert check.ok and any("旧格式" in zh for zh, _ in check.notes)
    Office.unlock(folder, None, PASSPHRASE).close()
    upgraded = json.loads(path.read_bytes())
    assert upgraded["format"] == 2 and len(upgraded["slots"]) == 3
    assert [p.read_bytes() for p in (folder / "backups").glob("keyslots-format1-*.json")] == [legacy_bytes]
    Office.unlock(folder, "李四", CLERK_PASSPHRASE).close()
    Office.unlock_with_recovery(folder, recovery, "张三").close()
    assert check_store(folder, None, PASSPHRASE, recovery_key=recovery).ok


def test_after_the_first_admins_slot_is_set_again_no_name_still_means_the_first_admin(two_users):
    """A damaged admin slot reset with the recovery key goes back in front: unlocking with no
    user name opens the first admin's slot, never a clerk's."""
    folder, recovery = two_users
    path = folder / "keyslots.json"
    body = json.loads(path.read_bytes())
    admin = next(s for s in body["slots"] if s["tag"] == KeySlots(body["office_id"]).tag("passphrase", "张三"))
    admin["kdf"]["iterations"] += 1
    path.write_bytes(serialise(body))
    with Office.unlock_with_recovery(folder, recovery, "张三") as office:
        office.change_passphrase("张三", "a new admin passphrase")
    with Office.unlock(folder, None, "a new admin passphrase") as office:
        assert (office.user, office.role) == ("张三", "admin")
    with pytest.raises(WrongPassphrase):
        Office.unlock(folder, None, CLERK_PASSPHRASE)
