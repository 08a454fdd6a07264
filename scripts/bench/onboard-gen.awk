# Generates the onboarding benchmark's input for one tool from one model of N new hires, so
# that adkit, ldapadd and samba-tool create the same accounts (see scripts/bench-onboard.sh).
#
#   awk -f onboard-gen.awk -v mode=csv|template|ldif|samba -v rows=N -v tag=T -v ou=DN \
#       -v base=DN -v groups=G1,G2,G3 -v manager=DN [-v pwb64=B64] [-v password=P] \
#       [-v samba_url=URL -v samba_conf=FILE] [-v first=I] /dev/null
#
# Hire i (0-based) is <given> <Surname>: the surname is four syllables picked by the digits of
# i, so every name, username ("<tag><g><surname>", the template's {first:1}{last}), CN and mail
# address is unique and free of the characters LDIF and shell would need to escape. All are in
# department Engineering, title Engineer, with the same manager (a seeded account), must change
# the password at first logon, and join every group of the list.
#
# mode=csv       the HR file adkit reads (header + N rows)
# mode=template  adkit's onboarding template for it
# mode=ldif      what ldapadd applies: per hire, one add (unicodePwd, userAccountControl 512,
#                pwdLastSet 0) then one modify per group (add: member) — adkit's requests in
#                adkit's order, without its lookups
# mode=samba     a shell script: per hire, samba-tool user create then samba-tool group
#                addmembers per group (rows first .. first+N-1)
BEGIN {
	split("ba ke mi do lu ra so ti ve zu", syl, " ")
	split("anna bruno carla david elena felix greta hugo ines jonas", giv, " ")
	n = split(groups, grp, ",")
	if (first == "") first = 0
	upn_suffix = "lab.adkit.test"
	mail_domain = tag ".lab.adkit.test"
	if (mode == "csv") {
		print "First Name,Last Name,Employee ID,Department,Job Title,Manager Email,Start Date"
	} else if (mode == "template") {
		print "username:"
		print "  patterns: [\"" tag "{first:1}{last}\", \"" tag "{first}.{last}\"]"
		print "  max_length: 20"
		print "upn_suffix: " upn_suffix
		print "mail_domain: " mail_domain
		print "ou:"
		print "  default: " ou
		printf "groups:\n  all: ["
		for (g = 1; g <= n; g++) printf "%s%s", (g > 1 ? ", " : ""), grp[g]
		print "]"
		print "password:"
		print "  length: 16"
		print "  must_change: true"
		exit
	}
	for (i = first; i < first + rows; i++) {
		given = giv[i % 10 + 1]
		Given = toupper(substr(given, 1, 1)) substr(given, 2)
		last = syl[int(i / 1000) % 10 + 1] syl[int(i / 100) % 10 + 1] syl[int(i / 10) % 10 + 1] syl[i % 10 + 1]
		Last = toupper(substr(last, 1, 1)) substr(last, 2)
		sam = tag substr(given, 1, 1) last
		id = sprintf("%s-%05d", tag, i)
		cn = Given " " Last
		dn = "CN=" cn "," ou
		mail = given "." last "@" mail_domain
		if (mode == "csv") {
			print Given "," Last "," id ",Engineering,Engineer,alice.smith@lab.adkit.test,2026-12-01"
		} else if (mode == "ldif") {
			print "dn: " dn
			print "changetype: add"
			print "objectClass: top"
			print "objectClass: person"
			print "objectClass: organizationalPerson"
			print "objectClass: user"
			print "sAMAccountName: " sam
			print "userPrincipalName: " sam "@" upn_suffix
			print "givenName: " Given
			print "sn: " Last
			print "displayName: " cn
			print "mail: " mail
			print "employeeID: " id
			print "department: Engineering"
			print "title: Engineer"
			print "manager: " manager
			print "unicodePwd:: " pwb64
			print "userAccountControl: 512"
			print "pwdLastSet: 0"
			print ""
			for (g = 1; g <= n; g++) {
				print "dn: CN=" grp[g] "," ou
				print "changetype: modify"
				print "add: member"
				print "member: " dn
				print "-"
				print ""
			}
		} else if (mode == "samba") {
			# samba-tool wants the OU without the domain part.
			rel = ou
			sub("," base "$", "", rel)
			printf "samba-tool user create %s '%s' --given-name=%s --surname=%s --mail-address=%s --department=Engineering --job-title=Engineer --userou='%s' --must-change-at-next-login -H '%s' -s '%s' >/dev/null\n", \
				sam, password, Given, Last, mail, rel, samba_url, samba_conf
			for (g = 1; g <= n; g++)
				printf "samba-tool group addmembers '%s' %s -H '%s' -s '%s' >/dev/null\n", grp[g], sam, samba_url, samba_conf
		}
	}
}
