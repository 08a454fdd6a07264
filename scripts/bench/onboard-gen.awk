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
#                pwdLastSet 0) then one modify per group (add: member) — the memberships
#                written one per hire per group
# mode=ldifbulk  the same adds, then one modify per group adding every hire (add: member with
#                N values): how an administrator who knows LDAP writes it
# mode=contacts  N contacts (CN=Member <i>) in ou and, after them, one modify per 5,000 adding
#                them to the first group of the list: the existing members of a large group
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
	if (mode == "contacts") {
		for (i = 0; i < rows; i++)
			printf "dn: CN=Member %06d,%s\nchangetype: add\nobjectClass: contact\n\n", i, ou
		for (i = 0; i < rows; i++) {
			if (i % 5000 == 0) {
				if (i > 0) print "-\n"
				print "dn: CN=" grp[1] "," ou "\nchangetype: modify\nadd: member"
			}
			printf "member: CN=Member %06d,%s\n", i, ou
		}
		if (rows > 0) print "-\n"
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
		} else if (mode == "ldif" || mode == "ldifbulk") {
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
			members[i] = dn
			if (mode == "ldifbulk") continue
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
	if (mode == "ldifbulk") {
		for (g = 1; g <= n; g++) {
			print "dn: CN=" grp[g] "," ou
			print "changetype: modify"
			print "add: member"
			for (i = first; i < first + rows; i++) print "member: " members[i]
			print "-"
			print ""
		}
	}
}
