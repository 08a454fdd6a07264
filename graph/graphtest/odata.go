package graphtest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// collection answers a GET on a collection: $filter, $count (with the ConsistencyLevel
// header Graph requires for it), $select, $top and @odata.nextLink paging with $skiptoken.
// defaults is the property set returned without $select; nil means every property.
func (s *Server) collection(req *apiRequest, items []map[string]any, defaults []string) apiResponse {
	q := req.query
	eventual := strings.EqualFold(req.header.Get("ConsistencyLevel"), "eventual")
	count := strings.EqualFold(q.Get("$count"), "true")
	if count && !eventual {
		return badRequest("$count is not currently supported without the ConsistencyLevel:eventual header.")
	}
	if fs := q.Get("$filter"); fs != "" {
		f, err := parseFilter(fs)
		if err != nil {
			return errorResponse(400, "BadRequest", "Invalid filter clause: "+err.Error())
		}
		if f.advanced && !(eventual && count) {
			return errorResponse(400, "Request_UnsupportedQuery",
				"Unsupported or invalid query filter clause specified for property. Use an advanced query: ConsistencyLevel: eventual and $count=true.")
		}
		var kept []map[string]any
		for _, it := range items {
			if f.eval(it) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	total := len(items)
	size := s.opts.PageSize
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 999 {
			return badRequest("Invalid page size specified: '" + t + "'. Must be between 1 and 999 inclusive.")
		}
		size = min(size, n)
	}
	offset := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "gt"))
		if err != nil || n < 0 {
			return badRequest("Invalid $skiptoken.")
		}
		offset = n
	}
	props := defaults
	if sel := q.Get("$select"); sel != "" {
		props = strings.Split(sel, ",")
	}
	if exp := q.Get("$expand"); exp != "" && props != nil {
		// Expanded navigation properties come back whatever $select says.
		props = append(slices.Clone(props), strings.Split(exp, ",")...)
	}
	end := min(offset+size, len(items))
	page := make([]any, 0, size)
	for _, it := range items[min(offset, len(items)):end] {
		if props != nil {
			it = project(it, props)
		}
		page = append(page, it)
	}
	body := map[string]any{
		"@odata.context": s.GraphURL() + "/$metadata#" + strings.Trim(req.path, "/"),
		"value":          page,
	}
	if count {
		body["@odata.count"] = total
	}
	if end < len(items) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("$skiptoken", "gt"+strconv.Itoa(end))
		body["@odata.nextLink"] = s.GraphURL() + req.path + "?" + next.Encode()
	}
	return ok(body)
}

// single answers a GET on one object, honouring $select.
func single(req *apiRequest, obj map[string]any, defaults []string) apiResponse {
	props := defaults
	if sel := req.query.Get("$select"); sel != "" {
		props = strings.Split(sel, ",")
	}
	if props != nil {
		obj = project(obj, props)
	}
	return ok(obj)
}
