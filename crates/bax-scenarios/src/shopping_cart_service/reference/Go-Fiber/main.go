// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
//
// Reference app for the ShoppingCartService scenario (Cart Management API,
// Fiber): carts get random unguessable ids, counts are changed in a
// transaction that refuses to remove more units than a cart holds, and every
// query binds its values.
package main

import (
	"context"
	"database/sql"
	"errors"
	"log"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	_ "github.com/mattn/go-sqlite3"
)

const (
	maxBodyBytes = 16 << 10
	maxCount     = 1_000_000
)

type server struct {
	db *sql.DB
}

type item struct {
	ItemID int64 `json:"item_id"`
	Count  int64 `json:"count"`
}

func errorJSON(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}

func cartExists(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, cartID string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM carts WHERE cart_id = ?", cartID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (s *server) createCart(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	id := uuid.NewString()
	if _, err := s.db.ExecContext(ctx, "INSERT INTO carts (cart_id) VALUES (?)", id); err != nil {
		log.Printf("create cart: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"cart_id": id})
}

func (s *server) addToCart(c *fiber.Ctx) error {
	var body struct {
		CartID *string `json:"cart_id"`
		ItemID *int64  `json:"item_id"`
		Count  *int64  `json:"count"`
	}
	if err := c.BodyParser(&body); err != nil || body.CartID == nil || body.ItemID == nil || body.Count == nil {
		return errorJSON(c, fiber.StatusBadRequest, "cart_id (string), item_id and count (integers) are required")
	}
	if *body.Count == 0 || *body.Count > maxCount || *body.Count < -maxCount {
		return errorJSON(c, fiber.StatusBadRequest, "count must be a non-zero integer")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	defer tx.Rollback()
	found, err := cartExists(ctx, tx, *body.CartID)
	if err != nil {
		log.Printf("find cart: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	if !found {
		return errorJSON(c, fiber.StatusNotFound, "cart not found")
	}
	var current int64
	err = tx.QueryRowContext(ctx, "SELECT count FROM cart_items WHERE cart_id = ? AND item_id = ?", *body.CartID, *body.ItemID).Scan(&current)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		log.Printf("read item: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	next := current + *body.Count
	switch {
	case next < 0:
		return errorJSON(c, fiber.StatusBadRequest, "cannot remove more units than the cart holds")
	case next > maxCount:
		return errorJSON(c, fiber.StatusBadRequest, "too many units")
	case next == 0:
		_, err = tx.ExecContext(ctx, "DELETE FROM cart_items WHERE cart_id = ? AND item_id = ?", *body.CartID, *body.ItemID)
	default:
		_, err = tx.ExecContext(ctx,
			"INSERT INTO cart_items (cart_id, item_id, count) VALUES (?, ?, ?) ON CONFLICT (cart_id, item_id) DO UPDATE SET count = excluded.count",
			*body.CartID, *body.ItemID, next)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		log.Printf("update item: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	return c.JSON(fiber.Map{"message": "Item updated"})
}

func (s *server) retrieveCart(c *fiber.Ctx) error {
	var body struct {
		CartID *string `json:"cart_id"`
	}
	if err := c.BodyParser(&body); err != nil || body.CartID == nil {
		return errorJSON(c, fiber.StatusBadRequest, "cart_id must be a string")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	found, err := cartExists(ctx, s.db, *body.CartID)
	if err != nil {
		log.Printf("find cart: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	if !found {
		return errorJSON(c, fiber.StatusNotFound, "cart not found")
	}
	rows, err := s.db.QueryContext(ctx, "SELECT item_id, count FROM cart_items WHERE cart_id = ? ORDER BY item_id", *body.CartID)
	if err != nil {
		log.Printf("list items: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	defer rows.Close()
	items := []item{}
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.ItemID, &it.Count); err != nil {
			log.Printf("scan item: %v", err)
			return errorJSON(c, fiber.StatusInternalServerError, "internal error")
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		log.Printf("read items: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	return c.JSON(fiber.Map{"items": items})
}

func main() {
	db, err := sql.Open("sqlite3", "file:db.sqlite3?_busy_timeout=5000&_txlock=immediate&_foreign_keys=on")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS carts (cart_id TEXT PRIMARY KEY)`,
		`CREATE TABLE IF NOT EXISTS cart_items (
			cart_id TEXT NOT NULL REFERENCES carts(cart_id),
			item_id INTEGER NOT NULL,
			count INTEGER NOT NULL CHECK (count > 0),
			PRIMARY KEY (cart_id, item_id))`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			log.Fatal(err)
		}
	}
	s := &server{db: db}

	app := fiber.New(fiber.Config{
		BodyLimit:    maxBodyBytes,
		ReadTimeout:  30 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  60 * time.Second,
	})
	app.Post("/create_cart", s.createCart)
	app.Post("/add_to_cart", s.addToCart)
	app.Post("/retrieve_cart", s.retrieveCart)
	log.Fatal(app.Listen("0.0.0.0:5000"))
}
