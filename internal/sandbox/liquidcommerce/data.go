package liquidcommerce

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// product is a catalog entry; prices are decimal strings, as amounts
// should be, with cents for sums.
type product struct {
	PartNumber string `json:"partNumber"`
	Name       string `json:"name"`
	Brand      string `json:"brand"`
	Category   string `json:"category"`
	Size       string `json:"size"`
	Price      string `json:"price"`
	Available  bool   `json:"available"`
	cents      int64
}

// catalog is the sandbox's whole catalog.
var catalog = []product{
	{PartNumber: "SBX-GIN-750", Name: "Sandbox Dry Gin", Brand: "Loopback Distillers", Category: "Spirits", Size: "750ml", Price: "29.99", cents: 2999, Available: true},
	{PartNumber: "SBX-WHK-700", Name: "Emulator Single Malt 12 Year", Brand: "Port 0 Distillery", Category: "Spirits", Size: "700ml", Price: "54.50", cents: 5450, Available: true},
	{PartNumber: "SBX-RUM-1L", Name: "Fixture Spiced Rum", Brand: "Stub & Mock", Category: "Spirits", Size: "1L", Price: "24.00", cents: 2400, Available: false},
	{PartNumber: "SBX-WIN-750", Name: "Château Sandbox Rouge 2019", Brand: "Domaine Localhost", Category: "Wine", Size: "750ml", Price: "18.75", cents: 1875, Available: true},
	{PartNumber: "SBX-BEE-6PK", Name: "Seed Lager 6-pack", Brand: "Brasserie 127", Category: "Beer", Size: "6 × 355ml", Price: "11.49", cents: 1149, Available: true},
}

// catalogSearch answers the products whose name, brand or category holds
// "search" (all of them when it is empty).
func (s *Server) catalogSearch(c call) (int, any, []apiError) {
	search, bad := c.stringField("search")
	if bad != nil {
		return http.StatusBadRequest, nil, []apiError{*bad}
	}
	words := strings.ToLower(strings.TrimSpace(search))
	found := []product{}
	for _, p := range catalog {
		if strings.Contains(strings.ToLower(p.Name+" "+p.Brand+" "+p.Category), words) {
			found = append(found, p)
		}
	}
	return http.StatusOK, map[string]any{"search": search, "total": len(found), "products": found}, nil
}

// cartItem is one line of a cart, as asked and as answered.
type cartItem struct {
	PartNumber string `json:"partNumber"`
	Quantity   int    `json:"quantity"`
	Name       string `json:"name,omitempty"`
	UnitPrice  string `json:"unitPrice,omitempty"`
	Total      string `json:"total,omitempty"`
}

// cartUpdate prices the cart it is given ({"id", "items": [{"partNumber",
// "quantity"}]}); a cart without an id is a new one. The sandbox keeps no
// carts: the answer is the cart as sent, priced.
func (s *Server) cartUpdate(c call) (int, any, []apiError) {
	id, bad := c.stringField("id")
	if bad != nil {
		return http.StatusBadRequest, nil, []apiError{*bad}
	}
	if id == "" {
		id = "cart_" + strings.ToLower(rand.Text()[:20])
	}
	var items []cartItem
	if raw, present := c.fields["items"]; present && json.Unmarshal(raw, &items) != nil {
		return http.StatusBadRequest, nil, []apiError{{Field: "items", Message: `must be an array of {"partNumber": string, "quantity": number}`}}
	}
	var problems []apiError
	var subtotal int64
	priced := []cartItem{}
	for i, item := range items {
		at := fmt.Sprintf("items[%d]", i)
		p := findProduct(item.PartNumber)
		switch {
		case p == nil:
			problems = append(problems, apiError{Field: at + ".partNumber", Message: "no such product"})
		case !p.Available:
			problems = append(problems, apiError{Field: at + ".partNumber", Message: "not available"})
		case item.Quantity < 1 || item.Quantity > 99:
			problems = append(problems, apiError{Field: at + ".quantity", Message: "must be from 1 to 99"})
		default:
			total := p.cents * int64(item.Quantity)
			subtotal += total
			priced = append(priced, cartItem{PartNumber: p.PartNumber, Quantity: item.Quantity, Name: p.Name, UnitPrice: p.Price, Total: dollars(total)})
		}
	}
	if problems != nil {
		return http.StatusUnprocessableEntity, nil, problems
	}
	return http.StatusOK, map[string]any{"id": id, "items": priced, "subtotal": dollars(subtotal), "currency": "USD"}, nil
}

func findProduct(partNumber string) *product {
	for i := range catalog {
		if catalog[i].PartNumber == partNumber {
			return &catalog[i]
		}
	}
	return nil
}

func dollars(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

// userSession answers the user a session is for ({"email"} or {"id"}).
func (s *Server) userSession(c call) (int, any, []apiError) {
	email, badEmail := c.stringField("email")
	id, badID := c.stringField("id")
	switch {
	case badEmail != nil:
		return http.StatusBadRequest, nil, []apiError{*badEmail}
	case badID != nil:
		return http.StatusBadRequest, nil, []apiError{*badID}
	case email == "" && id == "":
		return http.StatusBadRequest, nil, []apiError{{Field: "email", Message: "give an email or an id"}}
	}
	if id == "" {
		id = "usr_sandbox_1"
	}
	if email == "" {
		email = "sandy.box@sandbox.liquidcommerce.test"
	}
	return http.StatusOK, map[string]any{"id": id, "email": email, "firstName": "Sandy", "lastName": "Box", "addresses": []any{}, "payments": []any{}}, nil
}
