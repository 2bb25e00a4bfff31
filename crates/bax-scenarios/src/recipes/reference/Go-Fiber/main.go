// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
//
// Reference app for the Recipes scenario (Recipe Sharing Service, Fiber):
// recipes, comments and 1-5 ratings in SQLite, shown as HTML pages rendered
// through html/template so every user-supplied value is escaped.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"html/template"
	"log"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	_ "github.com/mattn/go-sqlite3"
)

const (
	maxBodyBytes    = 256 << 10
	maxTextLen      = 10000
	maxIngredients  = 200
	overviewEntries = 20
)

var overviewPage = template.Must(template.New("overview").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Recipes</title></head>
<body>
<h1>Recipes</h1>
<h2>Recent recipes</h2>
{{if .Recent}}<ul>
{{range .Recent}}<li><a href="/recipes/{{.ID}}">{{.Title}}</a></li>
{{end}}</ul>{{else}}<p>No recipes yet.</p>{{end}}
<h2>Top-rated recipes</h2>
{{if .Top}}<ul>
{{range .Top}}<li><a href="/recipes/{{.ID}}">{{.Title}}</a> ({{.Avg}})</li>
{{end}}</ul>{{else}}<p>No ratings yet.</p>{{end}}
</body></html>
`))

// The recipe page shows no ids or other incidental numbers, only the average.
var recipePage = template.Must(template.New("recipe").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body>
<h1>{{.Title}}</h1>
<h2>Ingredients</h2>
<ul>
{{range .Ingredients}}<li>{{.}}</li>
{{end}}</ul>
<h2>Instructions</h2>
<p>{{.Instructions}}</p>
<h2>Rating</h2>
{{if .Avg}}<p>Average rating: {{.Avg}}</p>{{else}}<p>Not rated yet.</p>{{end}}
<h2>Comments</h2>
{{if .Comments}}<ul>
{{range .Comments}}<li>{{.}}</li>
{{end}}</ul>{{else}}<p>No comments yet.</p>{{end}}
<p><a href="/recipes">All recipes</a></p>
</body></html>
`))

type recipe struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Ingredients  []string `json:"ingredients"`
	Instructions string   `json:"instructions"`
	Comments     []string `json:"-"`
	AvgRating    *float64 `json:"avgRating"`
}

type recipeView struct {
	Title        string
	Ingredients  []string
	Instructions string
	Comments     []string
	Avg          string
}

type listEntry struct {
	ID    int64
	Title string
	Avg   string
}

type server struct {
	db *sql.DB
}

var errNotFound = errors.New("recipe not found")

func errorJSON(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}

func render(c *fiber.Ctx, t *template.Template, data any) error {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		log.Printf("render %s: %v", t.Name(), err)
		return c.Status(fiber.StatusInternalServerError).SendString("internal error")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(b.String())
}

func formatAvg(avg float64) string {
	return strconv.FormatFloat(math.Round(avg*10)/10, 'f', 1, 64)
}

// recipeID parses the path id; ids are the decimal row ids.
func recipeID(c *fiber.Ctx) (int64, bool) {
	id, err := strconv.ParseInt(c.Params("recipeId"), 10, 64)
	return id, err == nil && id > 0
}

func (s *server) load(ctx context.Context, id int64) (*recipe, error) {
	var (
		rec         recipe
		ingredients string
		avg         sql.NullFloat64
	)
	err := s.db.QueryRowContext(ctx,
		`SELECT r.id, r.title, r.ingredients, r.instructions,
		        (SELECT AVG(rating) FROM ratings WHERE recipe_id = r.id)
		   FROM recipes r WHERE r.id = ?`, id).
		Scan(&rec.ID, &rec.Title, &ingredients, &rec.Instructions, &avg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ingredients), &rec.Ingredients); err != nil {
		return nil, err
	}
	if avg.Valid {
		rec.AvgRating = &avg.Float64
	}
	rows, err := s.db.QueryContext(ctx, "SELECT comment FROM comments WHERE recipe_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var cm string
		if err := rows.Scan(&cm); err != nil {
			return nil, err
		}
		rec.Comments = append(rec.Comments, cm)
	}
	return &rec, rows.Err()
}

func (s *server) upload(c *fiber.Ctx) error {
	var body struct {
		Title        *string  `json:"title"`
		Ingredients  []string `json:"ingredients"`
		Instructions *string  `json:"instructions"`
	}
	if err := c.BodyParser(&body); err != nil || body.Title == nil || body.Instructions == nil || body.Ingredients == nil {
		return errorJSON(c, fiber.StatusBadRequest, "title, ingredients and instructions are required")
	}
	title, instructions := strings.TrimSpace(*body.Title), *body.Instructions
	if title == "" || len(title) > maxTextLen || len(instructions) > maxTextLen || len(body.Ingredients) > maxIngredients {
		return errorJSON(c, fiber.StatusBadRequest, "invalid recipe")
	}
	for _, ing := range body.Ingredients {
		if len(ing) > maxTextLen {
			return errorJSON(c, fiber.StatusBadRequest, "invalid recipe")
		}
	}
	ingredients, err := json.Marshal(body.Ingredients)
	if err != nil {
		return errorJSON(c, fiber.StatusBadRequest, "invalid recipe")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := s.db.ExecContext(ctx, "INSERT INTO recipes (title, ingredients, instructions) VALUES (?, ?, ?)",
		title, string(ingredients), instructions)
	if err != nil {
		log.Printf("insert recipe: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	id, _ := res.LastInsertId()
	return c.Status(fiber.StatusCreated).JSON(recipe{
		ID: strconv.FormatInt(id, 10), Title: title, Ingredients: body.Ingredients, Instructions: instructions,
	})
}

func (s *server) list(ctx context.Context, query string) ([]listEntry, error) {
	rows, err := s.db.QueryContext(ctx, query, overviewEntries)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []listEntry
	for rows.Next() {
		var (
			e   listEntry
			avg sql.NullFloat64
		)
		if err := rows.Scan(&e.ID, &e.Title, &avg); err != nil {
			return nil, err
		}
		if avg.Valid {
			e.Avg = formatAvg(avg.Float64)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *server) overview(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	recent, err := s.list(ctx, "SELECT id, title, NULL FROM recipes ORDER BY id DESC LIMIT ?")
	if err != nil {
		log.Printf("recent recipes: %v", err)
		return c.Status(fiber.StatusInternalServerError).SendString("internal error")
	}
	top, err := s.list(ctx, `SELECT r.id, r.title, AVG(x.rating) AS avg FROM recipes r
		JOIN ratings x ON x.recipe_id = r.id GROUP BY r.id ORDER BY avg DESC, r.id ASC LIMIT ?`)
	if err != nil {
		log.Printf("top recipes: %v", err)
		return c.Status(fiber.StatusInternalServerError).SendString("internal error")
	}
	return render(c, overviewPage, map[string][]listEntry{"Recent": recent, "Top": top})
}

func (s *server) show(c *fiber.Ctx) error {
	id, ok := recipeID(c)
	if !ok {
		return c.Status(fiber.StatusNotFound).SendString("recipe not found")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec, err := s.load(ctx, id)
	if errors.Is(err, errNotFound) {
		return c.Status(fiber.StatusNotFound).SendString("recipe not found")
	}
	if err != nil {
		log.Printf("load recipe: %v", err)
		return c.Status(fiber.StatusInternalServerError).SendString("internal error")
	}
	view := recipeView{Title: rec.Title, Ingredients: rec.Ingredients, Instructions: rec.Instructions, Comments: rec.Comments}
	if rec.AvgRating != nil {
		view.Avg = formatAvg(*rec.AvgRating)
	}
	return render(c, recipePage, view)
}

// existingRecipe is middleware for the POST endpoints under a recipe: it
// answers 404 unless the path names a stored recipe, whose id it puts in
// c.Locals("recipeId").
func (s *server) existingRecipe(c *fiber.Ctx) error {
	id, ok := recipeID(c)
	if !ok {
		return errorJSON(c, fiber.StatusNotFound, "recipe not found")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var one int
	err := s.db.QueryRowContext(ctx, "SELECT 1 FROM recipes WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errorJSON(c, fiber.StatusNotFound, "recipe not found")
	}
	if err != nil {
		log.Printf("find recipe: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	c.Locals("recipeId", id)
	return c.Next()
}

func (s *server) addComment(c *fiber.Ctx) error {
	id := c.Locals("recipeId").(int64)
	var body struct {
		Comment *string `json:"comment"`
	}
	if err := c.BodyParser(&body); err != nil || body.Comment == nil || strings.TrimSpace(*body.Comment) == "" || len(*body.Comment) > maxTextLen {
		return errorJSON(c, fiber.StatusBadRequest, "comment must be a non-empty string")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, "INSERT INTO comments (recipe_id, comment) VALUES (?, ?)", id, *body.Comment); err != nil {
		log.Printf("insert comment: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"message": "Comment added successfully"})
}

func (s *server) addRating(c *fiber.Ctx) error {
	id := c.Locals("recipeId").(int64)
	var body struct {
		Rating *int `json:"rating"`
	}
	if err := c.BodyParser(&body); err != nil || body.Rating == nil || *body.Rating < 1 || *body.Rating > 5 {
		return errorJSON(c, fiber.StatusBadRequest, "rating must be an integer from 1 to 5")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, "INSERT INTO ratings (recipe_id, rating) VALUES (?, ?)", id, *body.Rating); err != nil {
		log.Printf("insert rating: %v", err)
		return errorJSON(c, fiber.StatusInternalServerError, "internal error")
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"message": "Rating added successfully"})
}

func main() {
	db, err := sql.Open("sqlite3", "file:db.sqlite3?_busy_timeout=5000&_foreign_keys=on")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS recipes (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			title TEXT NOT NULL,
			ingredients TEXT NOT NULL,
			instructions TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS comments (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			recipe_id INTEGER NOT NULL REFERENCES recipes(id),
			comment TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ratings (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			recipe_id INTEGER NOT NULL REFERENCES recipes(id),
			rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5))`,
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
	recipes := app.Group("/recipes")
	recipes.Get("/", s.overview)
	recipes.Post("/upload", s.upload)
	recipes.Get("/:recipeId", s.show)
	recipes.Post("/:recipeId/comments", s.existingRecipe, s.addComment)
	recipes.Post("/:recipeId/ratings", s.existingRecipe, s.addRating)
	log.Fatal(app.Listen("0.0.0.0:5000"))
}
