"""How long `group_stories` takes on a busy day: 300 items from eight outlets, with reworded
reports of the same events. Run: `python benchmarks/bench_stories.py`. Prints figures."""

from __future__ import annotations

import random
import statistics
import time
from datetime import date

from digest.model import Item
from digest.stories import group_stories, key_events

ORDER = ["fighting", "air-war", "civilians", "diplomacy", "military-aid", "economy", "russia",
         "other"]
OUTLETS = ["Kyiv Post", "Ukrinform", "Reuters", "Euronews", "Novinite", "TRT World",
           "The Guardian", "Al Jazeera"]
PLACES = ["Kharkiv", "Kherson", "Odesa", "Zaporizhzhia", "Dnipro", "Sumy", "Mykolaiv", "Lviv",
          "Avdiivka", "Bakhmut", "Kupiansk", "Chernihiv", "Poltava", "Izium", "Nikopol", "Marinka",
          "Vuhledar", "Lyman", "Orikhiv", "Robotyne", "Pokrovsk", "Kramatorsk", "Sloviansk",
          "Kostiantynivka", "Toretsk", "Siversk", "Kreminna", "Synkivka", "Beryslav", "Vinnytsia",
          "Uman", "Kryvyi Rih", "Pavlohrad", "Ochakiv", "Izmail", "Reni", "Chuhuiv", "Vovchansk"]
PEOPLE = ["Zelensky", "Stoltenberg", "Blinken", "Scholz", "Macron", "Kuleba", "Shoigu", "Lavrov",
          "Erdogan", "Sunak", "Baerbock", "Austin", "Borrell", "Guterres", "Grossi", "Zaluzhnyi",
          "Duda", "Meloni", "Sanchez", "Rutte", "Kishida", "Trudeau", "Orban", "Fiala", "Nauseda",
          "Kallas", "Sandu", "Tusk", "Yermak", "Umerov", "Shmyhal", "Budanov"]
# Each event kind: two ways to say it, as (headline, opening) templates.
KINDS = [
    (("Russian shelling of {place} kills {n}, injures {m}",
      "Russian forces shelled {place} on {day}, killing {n} civilians and injuring {m}, the "
      "regional governor said."),
     ("{n} killed as Russian shells hit {place}",
      "{n} people were killed and {m} wounded when Russian artillery hit {place} on {day}, "
      "officials reported.")),
    (("Air defence downs {n} drones over {place} region",
      "Ukraine's air force said it shot down {n} of {m} Shahed drones launched overnight at the "
      "{place} region."),
     ("{place}: {n} Shahed drones destroyed overnight",
      "Overnight, Russia sent {m} attack drones towards {place}; air defence destroyed {n} of "
      "them, the air force reported.")),
    (("{person} meets {other} to discuss {topic}",
      "{person} held talks with {other} on {day} about {topic} and {aside}."),
     ("{other} and {person} talk {topic}",
      "{topic_cap} and {aside} were on the table as {other} met {person} on {day}.")),
    (("Ukrainian troops advance near {place}, General Staff says",
      "Ukrainian forces advanced up to {n} kilometres near {place}, the General Staff said, "
      "repelling {m} Russian attacks."),
     ("General Staff: {m} Russian attacks repelled near {place}",
      "Near {place}, Ukrainian troops repelled {m} assaults and moved forward {n} km, according "
      "to the General Staff.")),
]
TOPICS = ["air defence", "grain exports", "new sanctions", "F-16 training", "reconstruction",
          "EU accession", "prisoner exchanges", "energy security", "artillery shells",
          "frozen Russian assets", "demining", "the peace formula"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
# Sentences outlets add after the opening, drawn at random so that no two items read alike.
MORE = [
    "Officials gave no further details.", "The claim could not be independently verified.",
    "Moscow did not comment.", "Rescue work continued into the evening.",
    "Similar reports came from neighbouring regions earlier in the week.",
    "The regional administration published photographs of the damage.",
    "Analysts said the fighting is likely to intensify before winter.",
    "Kyiv has repeatedly asked its partners for more air defence systems.",
    "The ministry said it would publish a fuller account later.",
    "Local media reported power cuts in several districts.",
]


def make_day(count: int = 300, seed: int = 582) -> tuple[list[Item], dict[str, int]]:
    """`count` items; about a third of the events are told by two or three outlets. No two
    events are of the same kind in the same place (or between the same people)."""
    rng = random.Random(seed)
    items: list[Item] = []
    event_of: dict[str, int] = {}
    seen: set[tuple[int, str, str]] = set()  # no event twice
    event = 0
    while len(items) < count:
        kind = rng.randrange(len(KINDS))
        person, other = rng.sample(PEOPLE, 2)
        topic, aside = rng.sample(TOPICS, 2)
        values = {"place": rng.choice(PLACES), "person": person, "other": other,
                  "n": rng.randint(2, 60), "m": rng.randint(61, 99), "day": rng.choice(DAYS),
                  "topic": topic, "topic_cap": topic[0].upper() + topic[1:], "aside": aside}
        what = (kind, values["place"] if kind != 2 else min(person, other),
                max(person, other) if kind == 2 else "")
        if what in seen:
            continue
        seen.add(what)
        tellers = rng.sample(OUTLETS, rng.choice([1, 1, 2, 3]))
        for number, outlet in enumerate(tellers):
            headline, opening = KINDS[kind][number % 2]
            item_id = f"e{event}-{outlet.lower().replace(' ', '-')}"
            more = " ".join(rng.sample(MORE, rng.randint(1, 4)))
            items.append(Item(
                id=item_id, headline=headline.format(**values),
                text=f"{opening.format(**values)} {more}",
                date=date(2023, 9, 28), theme=ORDER[kind], source=outlet,
                # Outlets send several items in one roundup: one article per outlet and hour.
                article_path=f"seeds/{outlet}-{event % 5}.txt", key_event=rng.random() < 0.2))
            event_of[item_id] = event
        event += 1
    return items[:count], event_of


def main() -> None:
    items, event_of = make_day()
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        stories = group_stories(items, threshold=0.55, theme_order=ORDER)
        runs.append(time.perf_counter() - start)
    keys = key_events(stories, ORDER)
    together = {(a.id, b.id) for s in stories for a in s.items for b in s.items if a.id < b.id}
    same = {(a.id, b.id) for a in items for b in items
            if a.id < b.id and event_of[a.id] == event_of[b.id]}
    print(f"items: {len(items)}, outlets: {len(OUTLETS)}, events: {len(set(event_of.values()))}")
    print(f"group_stories: median {statistics.median(runs) * 1000:.0f} ms, "
          f"best {min(runs) * 1000:.0f} ms over {len(runs)} runs")
    print(f"stories: {len(stories)}, key events: {len(keys)}")
    print(f"same-event pairs found: {len(together & same)} of {len(same)}; "
          f"wrongly joined pairs: {len(together - same)}")


if __name__ == "__main__":
    main()
