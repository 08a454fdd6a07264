package graphtest

func (s *Server) routes() *router {
	rt := &router{}
	rt.handle("GET /users", s.listUsers)
	rt.handle("POST /users", s.createUser)
	rt.handle("GET /users/{user}", s.getUser)
	rt.handle("PATCH /users/{user}", s.patchUser)
	rt.handle("DELETE /users/{user}", s.deleteUser)
	rt.handle("POST /users/{user}/revokeSignInSessions", s.revokeSessions)
	rt.handle("POST /users/{user}/assignLicense", s.assignLicense)
	rt.handle("GET /users/{user}/memberOf", s.memberOf(false, "user"))
	rt.handle("GET /users/{user}/transitiveMemberOf", s.memberOf(true, "user"))
	rt.handle("GET /users/{user}/manager", s.getManager)
	rt.handle("PUT /users/{user}/manager/$ref", s.putManagerRef)
	rt.handle("GET /me", s.getMe)

	// Authentication methods: "methods" first, so that it is not taken for a collection.
	rt.handle("GET /users/{user}/authentication/methods", s.listAuthMethods)
	rt.handle("GET /users/{user}/authentication/methods/{id}", s.getAuthMethod)
	rt.handle("POST /users/{user}/authentication/temporaryAccessPassMethods", s.createTAP)
	rt.handle("GET /users/{user}/authentication/{collection}", s.methodCollection)
	rt.handle("GET /users/{user}/authentication/{collection}/{id}", s.methodItem)
	rt.handle("DELETE /users/{user}/authentication/{collection}/{id}", s.methodItem)
	rt.handle("GET /auditLogs/signIns", s.listSignIns)
	rt.handle("POST /identityProtection/riskyUsers/confirmSafe", s.riskAction("confirmedSafe", "none", "adminConfirmedAccountSafe"))
	rt.handle("POST /identityProtection/riskyUsers/dismiss", s.riskAction("dismissed", "none", "adminDismissedAllRiskForUser"))
	rt.handle("POST /identityProtection/riskyUsers/confirmCompromised", s.riskAction("confirmedCompromised", "high", "adminConfirmedUserCompromised"))
	rt.handle("GET /identityProtection/riskyUsers/{id}", s.getRiskyUser)

	rt.handle("GET /groups", s.listGroups)
	rt.handle("GET /groups/{group}", s.getGroup)
	rt.handle("GET /groups/{group}/members", s.members(false))
	rt.handle("GET /groups/{group}/transitiveMembers", s.members(true))
	rt.handle("GET /groups/{group}/memberOf", s.memberOf(false, "group"))
	rt.handle("GET /groups/{group}/transitiveMemberOf", s.memberOf(true, "group"))
	rt.handle("POST /groups/{group}/members/$ref", s.addMemberRef)
	rt.handle("DELETE /groups/{group}/members/{member}/$ref", s.removeMemberRef)

	rt.handle("GET /subscribedSkus", s.subscribedSkus)

	rt.handle("GET /directoryRoles", s.listDirectoryRoles)
	rt.handle("GET /directoryRoles/{role}/members", s.directoryRoleMembers)
	rt.handle("GET /roleManagement/directory/roleDefinitions", s.roleDefinitions)
	rt.handle("GET /roleManagement/directory/roleAssignments", s.roleAssignments)
	rt.handle("GET /roleManagement/directory/roleEligibilitySchedules", s.roleEligibilitySchedules)

	rt.handle("GET /reports/authenticationMethods/userRegistrationDetails", s.userRegistrationDetails)
	rt.handle("GET /reports/authenticationMethods/userRegistrationDetails/{id}", s.userRegistrationDetail)

	rt.handle("POST /$batch", s.batch)
	return rt
}
