-- OC Pizza seed data: the chain's pizzerias, ingredients, menu, recipes and opening stock.
-- Applied once, on first boot, in one transaction (src/db/seed.rs); the same text runs on
-- SQLite and PostgreSQL, so it uses natural keys (slug, code) instead of numeric ids.
-- VALUES columns are named column1, column2, ... on both backends.

INSERT INTO pizzerias (slug, name, street, postcode, city, phone, email) VALUES
    ('paris-bastille', 'OC Pizza Bastille', '12 rue de la Roquette', '75011', 'Paris', '01 43 55 12 12', 'bastille@ocpizza.fr'),
    ('paris-vaugirard', 'OC Pizza Vaugirard', '245 rue de Vaugirard', '75015', 'Paris', '01 45 32 20 20', 'vaugirard@ocpizza.fr'),
    ('boulogne', 'OC Pizza Boulogne', '88 route de la Reine', '92100', 'Boulogne-Billancourt', '01 46 05 30 30', 'boulogne@ocpizza.fr'),
    ('montreuil', 'OC Pizza Montreuil', '5 rue de Paris', '93100', 'Montreuil', '01 48 70 40 40', 'montreuil@ocpizza.fr'),
    ('vincennes', 'OC Pizza Vincennes', '31 rue du Midi', '94300', 'Vincennes', '01 43 28 50 50', 'vincennes@ocpizza.fr');

-- Every day 11:30-14:30 and 18:00-23:00, except Monday lunch; Friday and Saturday until 23:30.
INSERT INTO opening_hours (pizzeria_id, weekday, opens_minute, closes_minute)
SELECT p.id, h.column1, h.column2, h.column3
FROM pizzerias p CROSS JOIN (VALUES
    (2, 690, 870), (3, 690, 870), (4, 690, 870), (5, 690, 870), (6, 690, 870), (7, 690, 870),
    (1, 1080, 1380), (2, 1080, 1380), (3, 1080, 1380), (4, 1080, 1380), (5, 1080, 1410),
    (6, 1080, 1410), (7, 1080, 1380)) AS h;

INSERT INTO delivery_postcodes (pizzeria_id, postcode)
SELECT p.id, z.column2
FROM (VALUES
    ('paris-bastille', '75011'), ('paris-bastille', '75012'), ('paris-bastille', '75004'), ('paris-bastille', '75003'),
    ('paris-vaugirard', '75015'), ('paris-vaugirard', '75014'), ('paris-vaugirard', '75006'), ('paris-vaugirard', '75007'),
    ('boulogne', '92100'), ('boulogne', '75016'), ('boulogne', '92210'),
    ('montreuil', '93100'), ('montreuil', '75020'), ('montreuil', '93170'),
    ('vincennes', '94300'), ('vincennes', '94160'), ('vincennes', '75012')) AS z
JOIN pizzerias p ON p.slug = z.column1;

INSERT INTO ingredients (code, name, unit) VALUES
    ('dough', 'Pâton de pâte à pizza (250 g)', 'piece'),
    ('tomato_sauce', 'Sauce tomate San Marzano', 'ml'),
    ('cream', 'Crème fraîche', 'ml'),
    ('mozzarella', 'Mozzarella fior di latte', 'g'),
    ('buffalo_mozzarella', 'Mozzarella di bufala', 'g'),
    ('gorgonzola', 'Gorgonzola', 'g'),
    ('parmesan', 'Parmigiano Reggiano', 'g'),
    ('goat_cheese', 'Fromage de chèvre', 'g'),
    ('ham', 'Jambon blanc', 'g'),
    ('spicy_salami', 'Salami piquant', 'g'),
    ('chorizo', 'Chorizo', 'g'),
    ('chicken', 'Poulet rôti', 'g'),
    ('ground_beef', 'Bœuf haché', 'g'),
    ('anchovies', 'Anchois', 'g'),
    ('tuna', 'Thon', 'g'),
    ('mushrooms', 'Champignons de Paris', 'g'),
    ('onions', 'Oignons rouges', 'g'),
    ('peppers', 'Poivrons', 'g'),
    ('black_olives', 'Olives noires', 'g'),
    ('capers', 'Câpres', 'g'),
    ('artichokes', 'Cœurs d''artichaut', 'g'),
    ('egg', 'Œuf', 'piece'),
    ('basil', 'Basilic frais', 'g'),
    ('oregano', 'Origan', 'g'),
    ('olive_oil', 'Huile d''olive vierge extra', 'ml'),
    ('honey', 'Miel', 'ml'),
    ('walnuts', 'Cerneaux de noix', 'g'),
    ('pesto', 'Pesto au basilic', 'ml'),
    ('arugula', 'Roquette', 'g'),
    ('truffle_cream', 'Crème de truffe', 'ml');

INSERT INTO ingredient_allergens (ingredient_id, allergen)
SELECT i.id, a.column2
FROM (VALUES
    ('dough', 'gluten'), ('cream', 'milk'), ('mozzarella', 'milk'), ('buffalo_mozzarella', 'milk'),
    ('gorgonzola', 'milk'), ('parmesan', 'milk'), ('goat_cheese', 'milk'), ('ham', 'sulphites'),
    ('spicy_salami', 'sulphites'), ('chorizo', 'sulphites'), ('chorizo', 'milk'), ('anchovies', 'fish'),
    ('tuna', 'fish'), ('capers', 'sulphites'), ('egg', 'eggs'), ('walnuts', 'nuts'), ('pesto', 'nuts'),
    ('pesto', 'milk'), ('truffle_cream', 'milk')) AS a
JOIN ingredients i ON i.code = a.column1;

-- Prices are TTC in cents; pizzas sold for immediate consumption carry 10 % VAT.
INSERT INTO pizzas (slug, name, description, price_cents, vat_rate_bp, sort_order) VALUES
    ('margherita', 'Margherita', 'Sauce tomate, mozzarella fior di latte, basilic frais, huile d''olive.', 950, 1000, 1),
    ('reine', 'Reine', 'Sauce tomate, mozzarella, jambon blanc, champignons de Paris.', 1150, 1000, 2),
    ('napolitaine', 'Napolitaine', 'Sauce tomate, mozzarella, anchois, câpres, olives noires, origan.', 1150, 1000, 3),
    ('diavola', 'Diavola', 'Sauce tomate, mozzarella, salami piquant, huile pimentée.', 1250, 1000, 4),
    ('quatre-fromages', 'Quatre fromages', 'Crème, mozzarella, gorgonzola, chèvre, parmesan.', 1350, 1000, 5),
    ('calzone', 'Calzone', 'Chausson garni de sauce tomate, mozzarella, jambon et œuf.', 1300, 1000, 6),
    ('vegetarienne', 'Végétarienne', 'Sauce tomate, mozzarella, poivrons, oignons rouges, champignons, artichauts, olives.', 1250, 1000, 7),
    ('orientale', 'Orientale', 'Sauce tomate, mozzarella, chorizo, poivrons, oignons rouges, œuf.', 1300, 1000, 8),
    ('chevre-miel', 'Chèvre-miel', 'Crème, mozzarella, chèvre, miel, cerneaux de noix.', 1350, 1000, 9),
    ('thon', 'Thonnara', 'Sauce tomate, mozzarella, thon, oignons rouges, olives noires.', 1250, 1000, 10),
    ('poulet-pesto', 'Poulet pesto', 'Pesto, mozzarella, poulet rôti, roquette, parmesan.', 1400, 1000, 11),
    ('bolognaise', 'Bolognaise', 'Sauce tomate, mozzarella, bœuf haché, oignons rouges, origan.', 1350, 1000, 12),
    ('bufala', 'Bufala', 'Sauce tomate, mozzarella di bufala, roquette, parmesan, huile d''olive.', 1450, 1000, 13),
    ('truffe', 'Truffe', 'Crème de truffe, mozzarella fior di latte, champignons, parmesan.', 1790, 1000, 14);

INSERT INTO recipe_lines (pizza_id, ingredient_id, quantity)
SELECT p.id, i.id, r.column3
FROM (VALUES
    ('margherita', 'dough', 1), ('margherita', 'tomato_sauce', 80), ('margherita', 'mozzarella', 120),
    ('margherita', 'basil', 3), ('margherita', 'olive_oil', 5),
    ('reine', 'dough', 1), ('reine', 'tomato_sauce', 80), ('reine', 'mozzarella', 110), ('reine', 'ham', 70),
    ('reine', 'mushrooms', 60),
    ('napolitaine', 'dough', 1), ('napolitaine', 'tomato_sauce', 80), ('napolitaine', 'mozzarella', 100),
    ('napolitaine', 'anchovies', 30), ('napolitaine', 'capers', 10), ('napolitaine', 'black_olives', 20),
    ('napolitaine', 'oregano', 1),
    ('diavola', 'dough', 1), ('diavola', 'tomato_sauce', 80), ('diavola', 'mozzarella', 110),
    ('diavola', 'spicy_salami', 60), ('diavola', 'olive_oil', 5),
    ('quatre-fromages', 'dough', 1), ('quatre-fromages', 'cream', 60), ('quatre-fromages', 'mozzarella', 80),
    ('quatre-fromages', 'gorgonzola', 40), ('quatre-fromages', 'goat_cheese', 40), ('quatre-fromages', 'parmesan', 20),
    ('calzone', 'dough', 1), ('calzone', 'tomato_sauce', 60), ('calzone', 'mozzarella', 100), ('calzone', 'ham', 70),
    ('calzone', 'egg', 1),
    ('vegetarienne', 'dough', 1), ('vegetarienne', 'tomato_sauce', 80), ('vegetarienne', 'mozzarella', 100),
    ('vegetarienne', 'peppers', 40), ('vegetarienne', 'onions', 30), ('vegetarienne', 'mushrooms', 40),
    ('vegetarienne', 'artichokes', 40), ('vegetarienne', 'black_olives', 15),
    ('orientale', 'dough', 1), ('orientale', 'tomato_sauce', 80), ('orientale', 'mozzarella', 100),
    ('orientale', 'chorizo', 60), ('orientale', 'peppers', 30), ('orientale', 'onions', 20), ('orientale', 'egg', 1),
    ('chevre-miel', 'dough', 1), ('chevre-miel', 'cream', 60), ('chevre-miel', 'mozzarella', 80),
    ('chevre-miel', 'goat_cheese', 80), ('chevre-miel', 'honey', 15), ('chevre-miel', 'walnuts', 15),
    ('thon', 'dough', 1), ('thon', 'tomato_sauce', 80), ('thon', 'mozzarella', 100), ('thon', 'tuna', 70),
    ('thon', 'onions', 30), ('thon', 'black_olives', 15),
    ('poulet-pesto', 'dough', 1), ('poulet-pesto', 'pesto', 40), ('poulet-pesto', 'mozzarella', 100),
    ('poulet-pesto', 'chicken', 80), ('poulet-pesto', 'arugula', 15), ('poulet-pesto', 'parmesan', 15),
    ('bolognaise', 'dough', 1), ('bolognaise', 'tomato_sauce', 80), ('bolognaise', 'mozzarella', 100),
    ('bolognaise', 'ground_beef', 80), ('bolognaise', 'onions', 20), ('bolognaise', 'oregano', 1),
    ('bufala', 'dough', 1), ('bufala', 'tomato_sauce', 80), ('bufala', 'buffalo_mozzarella', 125),
    ('bufala', 'arugula', 15), ('bufala', 'parmesan', 15), ('bufala', 'olive_oil', 5),
    ('truffe', 'dough', 1), ('truffe', 'truffle_cream', 40), ('truffe', 'mozzarella', 100),
    ('truffe', 'mushrooms', 50), ('truffe', 'parmesan', 15)) AS r
JOIN pizzas p ON p.slug = r.column1
JOIN ingredients i ON i.code = r.column2;

-- The recipe memo. Steps common to every pizza are written once and numbered around the
-- pizza's own steps: first the stretching, last the boxing.
INSERT INTO recipe_steps (pizza_id, position, instruction)
SELECT p.id, 1, 'Étaler le pâton à la main en disque de 30 cm, bord de 1,5 cm, sans rouleau.'
FROM pizzas p;

INSERT INTO recipe_steps (pizza_id, position, instruction)
SELECT p.id, s.column2, s.column3
FROM (VALUES
    ('margherita', 2, 'Napper de 80 ml de sauce tomate en spirale, en laissant le bord libre.'),
    ('margherita', 3, 'Répartir 120 g de mozzarella déchirée en morceaux.'),
    ('margherita', 4, 'Cuire 90 s au four à 450 °C.'),
    ('margherita', 5, 'À la sortie : 3 g de feuilles de basilic et un filet (5 ml) d''huile d''olive.'),
    ('reine', 2, 'Napper de 80 ml de sauce tomate.'),
    ('reine', 3, 'Répartir 110 g de mozzarella, puis 70 g de jambon en lanières et 60 g de champignons émincés.'),
    ('reine', 4, 'Cuire 100 s au four à 450 °C.'),
    ('napolitaine', 2, 'Napper de 80 ml de sauce tomate.'),
    ('napolitaine', 3, 'Répartir 100 g de mozzarella, 30 g d''anchois, 10 g de câpres et 20 g d''olives.'),
    ('napolitaine', 4, 'Cuire 90 s au four à 450 °C.'),
    ('napolitaine', 5, 'Parsemer d''une pincée (1 g) d''origan.'),
    ('diavola', 2, 'Napper de 80 ml de sauce tomate.'),
    ('diavola', 3, 'Répartir 110 g de mozzarella et 60 g de salami piquant en rondelles.'),
    ('diavola', 4, 'Cuire 90 s au four à 450 °C.'),
    ('diavola', 5, 'Finir d''un filet (5 ml) d''huile d''olive.'),
    ('quatre-fromages', 2, 'Étaler 60 ml de crème fraîche.'),
    ('quatre-fromages', 3, 'Répartir 80 g de mozzarella, 40 g de gorgonzola et 40 g de chèvre en morceaux.'),
    ('quatre-fromages', 4, 'Cuire 100 s au four à 450 °C.'),
    ('quatre-fromages', 5, 'Râper 20 g de parmesan à la sortie du four.'),
    ('calzone', 2, 'Napper une moitié du disque de 60 ml de sauce tomate.'),
    ('calzone', 3, 'Y poser 100 g de mozzarella, 70 g de jambon et casser l''œuf au centre.'),
    ('calzone', 4, 'Replier en chausson, souder le bord en le pinçant.'),
    ('calzone', 5, 'Cuire 150 s au four à 430 °C.'),
    ('vegetarienne', 2, 'Napper de 80 ml de sauce tomate.'),
    ('vegetarienne', 3, 'Répartir 100 g de mozzarella, puis 40 g de poivrons, 30 g d''oignons, 40 g de champignons, 40 g d''artichauts et 15 g d''olives.'),
    ('vegetarienne', 4, 'Cuire 110 s au four à 450 °C.'),
    ('orientale', 2, 'Napper de 80 ml de sauce tomate.'),
    ('orientale', 3, 'Répartir 100 g de mozzarella, 60 g de chorizo, 30 g de poivrons et 20 g d''oignons.'),
    ('orientale', 4, 'Casser l''œuf au centre.'),
    ('orientale', 5, 'Cuire 110 s au four à 450 °C.'),
    ('chevre-miel', 2, 'Étaler 60 ml de crème fraîche.'),
    ('chevre-miel', 3, 'Répartir 80 g de mozzarella et 80 g de chèvre en rondelles.'),
    ('chevre-miel', 4, 'Cuire 100 s au four à 450 °C.'),
    ('chevre-miel', 5, 'À la sortie : 15 ml de miel en filet et 15 g de cerneaux de noix.'),
    ('thon', 2, 'Napper de 80 ml de sauce tomate.'),
    ('thon', 3, 'Répartir 100 g de mozzarella, 70 g de thon émietté, 30 g d''oignons et 15 g d''olives.'),
    ('thon', 4, 'Cuire 100 s au four à 450 °C.'),
    ('poulet-pesto', 2, 'Étaler 40 ml de pesto.'),
    ('poulet-pesto', 3, 'Répartir 100 g de mozzarella et 80 g de poulet en dés.'),
    ('poulet-pesto', 4, 'Cuire 100 s au four à 450 °C.'),
    ('poulet-pesto', 5, 'À la sortie : 15 g de roquette et 15 g de copeaux de parmesan.'),
    ('bolognaise', 2, 'Napper de 80 ml de sauce tomate.'),
    ('bolognaise', 3, 'Répartir 100 g de mozzarella, 80 g de bœuf haché émietté cru et 20 g d''oignons.'),
    ('bolognaise', 4, 'Cuire 120 s au four à 450 °C (le bœuf doit être bien cuit).'),
    ('bolognaise', 5, 'Parsemer d''une pincée (1 g) d''origan.'),
    ('bufala', 2, 'Napper de 80 ml de sauce tomate.'),
    ('bufala', 3, 'Cuire la base 80 s au four à 450 °C.'),
    ('bufala', 4, 'Déposer 125 g de mozzarella di bufala déchirée, repasser 20 s au four.'),
    ('bufala', 5, 'À la sortie : 15 g de roquette, 15 g de copeaux de parmesan, 5 ml d''huile d''olive.'),
    ('truffe', 2, 'Étaler 40 ml de crème de truffe.'),
    ('truffe', 3, 'Répartir 100 g de mozzarella et 50 g de champignons émincés finement.'),
    ('truffe', 4, 'Cuire 100 s au four à 450 °C.'),
    ('truffe', 5, 'Râper 15 g de parmesan à la sortie du four.')) AS s
JOIN pizzas p ON p.slug = s.column1;

INSERT INTO recipe_steps (pizza_id, position, instruction)
SELECT p.id, 1 + (SELECT MAX(s.position) FROM recipe_steps s WHERE s.pizza_id = p.id),
       'Mettre en boîte, étiqueter avec la référence de la commande et poser sur le passe.'
FROM pizzas p;

-- Opening stock: the stock rows, then one restock movement for each, then the stock
-- recomputed as the sum of its movements, so journal and stock agree from the first day.
-- Two pizzerias start short on purpose (the demo shows "épuisée" and "plus que N").
INSERT INTO stock (pizzeria_id, ingredient_id, quantity, low_threshold)
SELECT p.id, i.id, CASE WHEN p.slug = 'vincennes' AND i.code = 'anchovies' THEN 0 ELSE q.column2 END, q.column3
FROM pizzerias p CROSS JOIN (VALUES
    ('dough', 120, 30), ('tomato_sauce', 10000, 2000), ('cream', 4000, 800), ('mozzarella', 14000, 3000),
    ('buffalo_mozzarella', 2500, 500), ('gorgonzola', 1500, 300), ('parmesan', 2000, 400),
    ('goat_cheese', 2500, 500), ('ham', 3000, 600), ('spicy_salami', 2000, 400), ('chorizo', 2000, 400),
    ('chicken', 2500, 500), ('ground_beef', 2500, 500), ('anchovies', 800, 150), ('tuna', 2000, 400),
    ('mushrooms', 4000, 800), ('onions', 3000, 500), ('peppers', 3000, 500), ('black_olives', 1500, 300),
    ('capers', 500, 100), ('artichokes', 1500, 300), ('egg', 60, 12), ('basil', 300, 50),
    ('oregano', 200, 20), ('olive_oil', 2000, 300), ('honey', 750, 150), ('walnuts', 600, 100),
    ('pesto', 1200, 250), ('arugula', 800, 150), ('truffle_cream', 600, 120)) AS q
JOIN ingredients i ON i.code = q.column1;

INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
SELECT pizzeria_id, ingredient_id, quantity, 'restock', 'Stock d''ouverture'
FROM stock WHERE quantity > 0;

-- Montreuil received a small jar of truffle cream: 120 ml is three truffle pizzas.
INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
SELECT s.pizzeria_id, s.ingredient_id, 120 - s.quantity, 'inventory', 'Inventaire d''ouverture'
FROM stock s
JOIN ingredients i ON i.id = s.ingredient_id
JOIN pizzerias p ON p.id = s.pizzeria_id
WHERE p.slug = 'montreuil' AND i.code = 'truffle_cream';

UPDATE stock SET quantity = (
    SELECT CAST(COALESCE(SUM(m.delta), 0) AS BIGINT) FROM stock_movements m
    WHERE m.pizzeria_id = stock.pizzeria_id AND m.ingredient_id = stock.ingredient_id);

-- Sizes: the default (33 cm, the recipes' reference, priced by `pizzas.price_cents`), a small
-- and a large; the calzone is not made large.
INSERT INTO sizes (code, label, factor_pct, position, is_default) VALUES
    ('26', 'Petite (26 cm)', 70, 1, FALSE), ('33', 'Moyenne (33 cm)', 100, 2, TRUE), ('40', 'Grande (40 cm)', 150, 3, FALSE);
INSERT INTO pizza_sizes (pizza_id, size_code, price_cents)
SELECT id, '26', price_cents - 250 FROM pizzas;
INSERT INTO pizza_sizes (pizza_id, size_code, price_cents)
SELECT id, '40', price_cents + 350 FROM pizzas WHERE slug <> 'calzone';

-- The base (the dough and its sauce or cream) is made once on a half-and-half and cannot be
-- taken off; every topping can.
UPDATE recipe_lines SET base = TRUE
WHERE ingredient_id IN (SELECT id FROM ingredients WHERE code IN ('dough', 'tomato_sauce', 'cream', 'pesto', 'truffle_cream'));
UPDATE recipe_lines SET removable = TRUE WHERE NOT base;

-- The supplements, at the default size.
INSERT INTO extras (code, ingredient_id, name, quantity, price_cents, position)
SELECT e.column1, i.id, e.column3, e.column4, e.column5, e.column6
FROM (VALUES
    ('mozzarella', 'mozzarella', 'Mozzarella', 50, 150, 1), ('jambon', 'ham', 'Jambon', 40, 200, 2),
    ('champignons', 'mushrooms', 'Champignons', 30, 100, 3), ('olives', 'black_olives', 'Olives noires', 15, 100, 4),
    ('oeuf', 'egg', 'Œuf', 1, 100, 5), ('chorizo', 'chorizo', 'Chorizo', 30, 200, 6),
    ('chevre', 'goat_cheese', 'Chèvre', 40, 200, 7), ('roquette', 'arugula', 'Roquette', 10, 100, 8)) AS e
JOIN ingredients i ON i.code = e.column2;
