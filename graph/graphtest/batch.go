package graphtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// MaxBatch is Graph's limit of requests in one $batch.
const MaxBatch = 20

type batchItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batch is POST /$batch (JSON batching): each item is served as if it had come on its own,
// in order, and answered with its own status, headers and body. An item whose dependency
// failed is answered 424 without being run.
func (s *Server) batch(req *apiRequest) apiResponse {
	var body struct {
		Requests []batchItem `json:"requests"`
	}
	if r := decode(req, &body); r != nil {
		return *r
	}
	if len(body.Requests) == 0 {
		return errorResponse(400, "BadRequest", "Invalid batch payload format.")
	}
	if len(body.Requests) > MaxBatch {
		return errorResponse(400, "BadRequest", fmt.Sprintf("Number of requests in a batch exceeds the limit of %d.", MaxBatch))
	}
	status := map[string]int{}
	for _, it := range body.Requests {
		if it.ID == "" || it.Method == "" || it.URL == "" {
			return errorResponse(400, "BadRequest", "Invalid batch payload format: every request needs id, method and url.")
		}
		if _, dup := status[it.ID]; dup {
			return errorResponse(400, "BadRequest", "Batch request with the same id '"+it.ID+"' found.")
		}
		status[it.ID] = 0
	}
	for _, it := range body.Requests {
		if r := checkBatchWrite(it); r != nil {
			return *r
		}
	}
	responses := make([]any, 0, len(body.Requests))
	for _, it := range body.Requests {
		resp := s.batchOne(it, status, req.who)
		status[it.ID] = resp.status
		out := map[string]any{"id": it.ID, "status": resp.status}
		headers := map[string]string{}
		for k, v := range resp.headers {
			headers[k] = v
		}
		if resp.body != nil {
			if headers["Content-Type"] == "" {
				headers["Content-Type"] = "application/json"
			}
			out["body"] = resp.body
		}
		out["headers"] = headers
		responses = append(responses, out)
	}
	return ok(map[string]any{"responses": responses})
}

func (s *Server) batchOne(it batchItem, status map[string]int, who principal) apiResponse {
	for _, d := range it.DependsOn {
		st, known := status[d]
		if !known {
			return errorResponse(400, "BadRequest", "dependsOn refers to an unknown request id '"+d+"'.")
		}
		if st == 0 || st >= 400 {
			return errorResponse(424, "FailedDependency", "The request could not be completed because request '"+d+"' failed.")
		}
	}
	u, err := url.Parse(it.URL)
	if err != nil {
		return errorResponse(400, "BadRequest", "Invalid request URL "+it.URL)
	}
	path := "/" + strings.TrimPrefix(u.Path, "/")
	path = strings.TrimPrefix(path, "/v1.0")
	h := http.Header{}
	for k, v := range it.Headers {
		h.Set(k, v)
	}
	var body []byte
	if len(it.Body) > 0 && string(it.Body) != "null" {
		body = it.Body
	}
	sub := &apiRequest{method: strings.ToUpper(it.Method), path: path, query: u.Query(), header: h, body: body, inBatch: true, who: who}
	var resp apiResponse
	if f := s.faults.take(sub.method, path, inBatch); f != nil {
		if f.Served {
			s.serveAPI(sub)
		}
		resp.status, resp.headers, resp.body = f.response()
	} else if sub.method == http.MethodPost && strings.EqualFold(path, "/$batch") {
		resp = errorResponse(400, "BadRequest", "Nested batch requests are not supported.")
	} else {
		resp = s.serveAPI(sub)
	}
	s.log.add(Request{Time: s.now(), Method: sub.method, Path: path, Query: u.RawQuery, Status: resp.status, InBatch: true, Body: string(body)})
	return resp
}

// checkBatchWrite refuses the whole $batch, as Graph does, when a write in it (POST, PATCH,
// PUT) lacks a body or a Content-Type header: Graph wants both even for an action that takes
// no parameters, such as revokeSignInSessions (the JSON batching page of the Graph docs;
// microsoftgraph/microsoft-graph-docs issue 6682 quotes the message). DELETE needs neither.
func checkBatchWrite(it batchItem) *apiResponse {
	switch strings.ToUpper(it.Method) {
	case http.MethodPost, http.MethodPatch, http.MethodPut:
	default:
		return nil
	}
	hasType := false
	for k, v := range it.Headers {
		if strings.EqualFold(k, "Content-Type") && strings.TrimSpace(v) != "" {
			hasType = true
		}
	}
	if hasType && len(it.Body) > 0 && string(it.Body) != "null" {
		return nil
	}
	r := errorResponse(400, "BadRequest", "Write request id : "+it.ID+" does not contain Content-Type header or body.")
	return &r
}
