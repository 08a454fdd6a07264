package graph

import (
	"encoding/json"
	"fmt"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

// parseModel deserializes a $batch item's body into an SDK model.
func parseModel(r reply, factory serialization.ParsableFactory) (serialization.Parsable, error) {
	raw, err := json.Marshal(r.body)
	if err != nil {
		return nil, err
	}
	node, err := jsonserialization.NewJsonParseNode(raw)
	if err != nil {
		return nil, fmt.Errorf("read batch reply: %w", err)
	}
	return node.GetObjectValue(factory)
}
