# Creates page.sqlite3 beside it: the table the page application lists.
import os
import sqlite3

db = os.path.join(os.path.dirname(os.path.abspath(__file__)), "page.sqlite3")
con = sqlite3.connect(db)
con.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, email TEXT, price REAL, quantity INTEGER, created TEXT)")
con.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?)", [
    (i, "item number %d of the inventory" % i, "Owner%d@Example.org" % i, 3.5 * i + 0.25, i % 17, "2026-12-%02d 10:00:00" % (1 + i % 28))
    for i in range(1, 101)])
con.commit()
con.close()
