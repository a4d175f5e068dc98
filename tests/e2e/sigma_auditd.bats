#!/usr/bin/env bats
# SigmaHQ's `service: auditd` rules on vigil's live events (the mapping of
# src/detect/sigma_auditd.c, docs/sigma-auditd.md): real, harmless actions
# in temporary paths fire named auditd rules, each alert carrying the
# rule's exact title and id and pointing at the vigil event it matched.
# Run it under `flock /tmp/vigil-sensor.lock`.

load lib

AUDITD="$BATS_TEST_DIRNAME/../fixtures/sigmahq/rules/linux/auditd"

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	CFG="$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml"
	# /tmp itself: one rule looks for programs run from /tmp/
	WORK=$(mktemp -d /tmp/vigil-auditd.XXXXXX)
	# a stand-in home under /home, for the shell-profile rule's /home/*/
	FAKEHOME=$(mktemp -d /home/vigil-e2e.XXXXXX)
}

teardown() {
	teardown_sensor
	rm -rf "$WORK" "$FAKEHOME"
}

# alert TITLE ID EVENTID: waits for the DetectionAlert of that rule on an
# event of that id; prints it.
alert() {
	wait_event ".EventID==242 and .RuleTitle==\"$1\" and .RuleId==\"$2\" and .MatchedEventID==$3"
}

# matched ALERT: the event the alert points at.
matched() {
	wait_event ".SequenceNumber==$(field "$1" MatchedSequenceNumber)"
}

@test "vigil sigma check: at most 14 of the 54 shipped auditd rules have no source" {
	run "$VIGIL" sigma check "$AUDITD" \
		"$FIXTURES/sigmahq/rules-emerging-threats/2026/Exploits/CVE-2026-31431/lnx_auditd_exploit_cve_2026_31431_af_alg_socket_creation.yml"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "54 rules: 46 loaded, 0 unsupported, 0 errors, 8 no source" ]
	# each no-source line says which field or value could not be mapped
	[[ "$output" == *"lnx_auditd_web_rce.yml: no source (service: auditd: euid: vigil's ProcessCreate names the real user (User), not the audit ids)"* ]]
	[[ "$output" == *"lnx_auditd_susp_special_file_creation_via_mknod_syscall.yml: no source (service: auditd: SYSCALL: mknod has no vigil event)"* ]]
	[[ "$output" == *"lnx_auditd_disable_system_firewall.yml: no source (service: auditd: type: SERVICE_STOP has no vigil event)"* ]]
}

@test "auditd rules fire on real actions: 14 EXECVE/SYSCALL rules on ProcessCreate, 4 PATH rules on file events" {
	start_sensor --config "$CFG" --sigma "$AUDITD"
	cd "$WORK"
	echo "user=me password=hunter2" >notes
	mkdir data && echo payload >data/file
	# EXECVE a0..aN, keywords on the arguments
	truncate -s +16 notes.pad                     # Binary Padding
	touch -t 202001010000 data/file               # timestomping
	chmod 600 notes                               # permissions change
	chmod 777 data/file                           # chmod 777
	grep -q password notes                        # credentials in files
	touch "$WORK/.hidden"                         # hidden file
	tar -cf data.tar data                         # archive
	dd if=/dev/zero of=zeros bs=1 count=1 status=none
	cp /bin/sh "$WORK/crond"                      # a shell copied as crond
	cat "$WORK/.bash_history" 2>/dev/null || true # history file
	/bin/echo --cpu-priority=5 >/dev/null         # coin-miner option
	whoami >/dev/null
	# SYSCALL exe / comm
	split -b 4 notes part.
	cp /bin/true "$WORK/runme" && "$WORK/runme"   # a program run from /tmp/
	# PATH name on file events
	echo 'alias ll="ls -l"' >"$FAKEHOME/.bashrc"
	echo 'export X=1' >>"$FAKEHOME/.bashrc"       # appended: FileModify
	mkdir -p "$WORK/h/.config/systemd/user"
	echo "[Service]" >"$WORK/h/.config/systemd/user/vigil-test.service"
	echo "kernel.sysrq = 0" >"$WORK/sysctl.conf"
	cd - >/dev/null

	a=$(alert "Binary Padding - Linux" c52a914f-3d8b-4b2a-bb75-b3991e75f8ba 1)
	ev=$(matched "$a")
	[ "$(field "$ev" Image)" = /usr/bin/truncate ]
	[ "$(field "$ev" CommandLine)" = "truncate -s +16 notes.pad" ]
	[ "$(field "$a" ProcessGuid)" = "$(field "$ev" ProcessGuid)" ]
	alert "File Time Attribute Change - Linux" b3cec4e7-6901-4b0d-a02d-8ab2d8eb818b 1 >/dev/null
	alert "File or Folder Permissions Change" 74c01ace-0152-4094-8ae2-6fd776dd43e5 1 >/dev/null
	a=$(alert "Suspicious Commands Linux" 1543ae20-cbdf-4ec1-8d12-7664d667a825 1)
	[[ "$(field "$(matched "$a")" CommandLine)" == "chmod 777 "* || "$(field "$(matched "$a")" CommandLine)" == "cp /bin/sh "* ]]
	alert "Credentials In Files - Linux" df3fcaea-2715-4214-99c5-0056ea59eb35 1 >/dev/null
	a=$(alert "Hidden Files and Directories" d08722cd-3d09-449a-80b4-83ea2d9d4616 1)
	[ "$(field "$(matched "$a")" CommandLine)" = "touch $WORK/.hidden" ]
	a=$(alert "Data Compressed" a3b5e3e9-1b49-4119-8b8e-0344a01f21ee 1)
	[ "$(field "$(matched "$a")" CommandLine)" = "tar -cf data.tar data" ]
	alert "Overwriting the File with Dev Zero or Null" 37222991-11e9-4b6d-8bdf-60fbe48f753e 1 >/dev/null
	alert "Masquerading as Linux Crond Process" 9d4548fa-bba0-4e88-bd66-5d5bf516cda0 1 >/dev/null
	alert "Suspicious History File Operations - Linux" eae8ce9f-bde9-47a6-8e79-f20d18419910 1 >/dev/null
	alert "Possible Coin Miner CPU Priority Param" 071d5e5a-9cef-47ec-bc4e-a42e34d8d0ed 1 >/dev/null
	alert "System Owner or User Discovery - Linux" 9a0d8ca0-2385-4020-b6c6-cb6153ca56f3 1 >/dev/null
	a=$(alert "Split A File Into Pieces - Linux" 2dad0cba-c62a-4a4f-949f-5f6ecd619769 1)
	[ "$(field "$(matched "$a")" Image)" = /usr/bin/split ]
	a=$(alert "Program Executions in Suspicious Folders" a39d7fa7-3fbd-4dc2-97e1-d87f546b1bbc 1)
	[ "$(field "$(matched "$a")" Image)" = "$WORK/runme" ]
	# PATH rules: the alert is on the file event itself
	a=$(alert "Unix Shell Configuration Modification" a94cdd87-6c54-4678-a6cc-2814ffe5a13d 200)
	ev=$(matched "$a")
	[ "$(field "$ev" Event)" = FileModify ]
	[ "$(field "$ev" TargetFilename)" = "$FAKEHOME/.bashrc" ]
	a=$(alert "Systemd Service Creation" 1bac86ba-41aa-4f62-9d6b-405eac99b485 11)
	[ "$(field "$(matched "$a")" TargetFilename)" = "$WORK/h/.config/systemd/user/vigil-test.service" ]
	a=$(alert "Potential Abuse of Linux Magic System Request Key" ea61bb82-a5e0-42e6-8537-91d29500f1b9 11)
	[ "$(field "$(matched "$a")" TargetFilename)" = "$WORK/sysctl.conf" ]
	alert "Use Of Hidden Paths Or Files" 9e1bef8d-0fff-46f6-8465-9aa54e128c1e 11 >/dev/null
	# nametype CREATE: the append to .bashrc is no service creation
	[ "$(count_events ".EventID==242 and .RuleTitle==\"Systemd Service Creation\" and .MatchedEventID!=11")" -eq 0 ]
}
