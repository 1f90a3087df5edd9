"""A group's members in two browsers: the admin adds someone by username, makes a member admin,
renames the group and removes a member; each change is a neutral line in everyone's timeline, and
the one removed loses the conversation at once."""
from selenium.webdriver.common.keys import Keys

TITLE = "R&D: 1 < 2"  # stored as R&amp;D: 1 &lt; 2; shown as typed


def test_an_admin_manages_the_group_everyone_sees_it_live_and_the_removed_member_loses_it(client, pages):
    alice_page, bob_page = pages
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    group = client.conversation(alice, bob, title="Launch")
    alice_page.log_in("alice")
    bob_page.log_in("bob")
    alice_page.open_conversation("Launch")
    bob_page.open_conversation("Launch")

    alice_page.find("#members-button").click()
    alice_page.wait(lambda: alice_page.members() == [["alice (you)", "admin"], ["bob", "member"]], "the members")
    alice_page.find("#add-members-usernames").send_keys("carol", Keys.ENTER)
    alice_page.wait(lambda: ["carol", "member"] in alice_page.members(), "carol among the members")
    bob_page.wait_for_message("alice added carol", system=True)
    alice_page.wait_for_message("You added carol", system=True)

    alice_page.press_member_button("bob", "change-role")
    bob_page.wait_for_message("alice made you an admin", system=True)
    bob_page.find("#members-button").click()
    bob_page.wait(lambda: bob_page.members()[:2] == [["alice", "admin"], ["bob (you)", "admin"]], "bob an admin")
    assert bob_page.visible("#add-members-form")  # an admin may add people now
    bob_page.find("#members-dialog .close-dialog").click()

    rename = alice_page.find("#rename-title")
    rename.clear()
    rename.send_keys(TITLE, Keys.ENTER)
    bob_page.wait(lambda: bob_page.text("#conversation-name") == TITLE, "the new title in bob's header")
    bob_page.wait_for_message(f"alice renamed the group “{TITLE}”", system=True)
    assert TITLE in bob_page.conversation_names()

    client.ok(carol, "delete", f"/conversations/{group}/participants/{carol.id}")  # carol leaves
    bob_page.wait_for_message("carol left", system=True)
    alice_page.wait(lambda: [name for name, _ in alice_page.members()] == ["alice (you)", "bob"], "carol gone")
    alice_page.press_member_button("bob", "remove")

    bob_page.wait(lambda: TITLE not in bob_page.conversation_names(), "the group to leave bob's list")
    assert not bob_page.visible("#conversation-pane")
    assert bob_page.text("#notice") == f"You are no longer in “{TITLE}”."
    alice_page.wait_for_message("You removed bob", system=True)
    assert alice_page.console_errors() == [] and bob_page.console_errors() == []
