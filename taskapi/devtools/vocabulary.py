"""The seed's words: what a todo list's titles and descriptions are made of, most common first.

The seed draws each slot's entry at rank k with probability about 1 / (k ln n) (a log-uniform
rank: Zipf's law, as in real text), so the first few verbs and objects are very common (`Call`
is in about one title in seven) and the last ones rare (a few dozen of 50,000 tasks).
"""

from __future__ import annotations

VERBS = (
    "Call", "Buy", "Email", "Pay", "Book", "Fix", "Check", "Send", "Clean", "Review", "Write",
    "Schedule", "Pick up", "Update", "Plan", "Renew", "Read", "Prepare", "Finish", "Order",
    "Cancel", "Return", "Print", "Sign", "Submit", "Draft", "Organize", "Ask about", "Remind Sam about",
    "Find", "Sort out", "Wash", "Replace", "Water", "Back up", "Register", "Confirm", "Research",
    "Install", "Charge", "Drop off", "Refill", "Repair", "Measure", "Paint", "Tidy", "Pack",
    "Unpack", "Move", "Donate", "Sell", "Photograph", "Scan", "File", "Archive", "Test", "Compare",
    "Practice", "Visit", "Text", "Invite Alex to", "Thank Grandma for", "Apply for", "Translate",
    "Proofread", "Summarize", "Present", "Record", "Edit", "Upload", "Download", "Migrate",
    "Configure", "Debug", "Deploy", "Rehearse", "Bake", "Cook", "Defrost", "Vacuum", "Mop", "Iron",
    "Fold", "Mend", "Polish", "Service", "Inspect", "Assemble", "Dismantle", "Recycle", "Shred",
    "Laminate", "Frame", "Hang", "Label", "Weigh", "Insure", "Reschedule", "Negotiate", "Decline",
)  # fmt: skip

OBJECTS = (
    "groceries", "milk", "the rent", "the dentist", "mom", "the car", "invoices", "bread",
    "the electricity bill", "flight tickets", "the quarterly report", "the kitchen", "emails",
    "dentist appointment", "the doctor", "tax return", "coffee", "the landlord", "birthday gift",
    "team meeting", "the plumber", "eggs", "car insurance", "presentation slides", "library books",
    "the budget spreadsheet", "the bathroom", "project proposal", "laundry", "the garden hose",
    "dog food", "the newsletter", "a haircut", "passport", "the blog post", "backup drive",
    "the windows", "phone bill", "train tickets", "the vet", "bananas", "the fridge", "a babysitter",
    "school forms", "the gym membership", "printer ink", "the expense report", "cat litter",
    "the gutters", "wedding RSVP", "parking permit", "the lawn", "the bike", "a present for Lena",
    "hotel room", "the spare key", "toilet paper", "the contract", "meeting notes", "the pharmacy",
    "vitamins", "the recycling", "a dinner reservation", "the insurance claim", "light bulbs",
    "the thermostat", "the heater", "the oven", "cheese", "apples", "the code review",
    "pull request", "release notes", "the roadmap", "interview questions", "the onboarding doc",
    "performance review", "the server logs", "SSL certificate", "the database migration",
    "the quarterly numbers", "the sales forecast", "the board deck", "client feedback",
    "the job application", "cover letter", "the résumé", "reference letter", "the mortgage",
    "savings account", "the credit card bill", "pension forms", "the water bill", "council tax",
    "the car service", "winter tyres", "the MOT", "fuel", "the roof tiles", "paint samples",
    "curtains", "the sofa", "a new mattress", "the wardrobe", "shelves", "the garage", "the attic",
    "the basement", "old clothes", "shoes", "a raincoat", "the umbrella", "sunscreen", "batteries",
    "the smoke alarm", "the fire extinguisher", "the first aid kit", "the medicine cabinet",
    "prescriptions", "the optician", "new glasses", "contact lenses", "the physiotherapist",
    "blood test results", "the vaccination card", "the flu shot", "the allergy pills",
    "the yoga class", "running shoes", "the swimming pool pass", "tennis lessons", "the piano",
    "guitar strings", "sheet music", "the choir schedule", "concert tickets", "the theatre",
    "museum passes", "the zoo trip", "the campsite", "the tent", "sleeping bags", "the road trip",
    "a rental car", "the ferry", "visa application", "travel insurance", "the itinerary",
    "souvenirs", "postcards", "the photo album", "holiday photos", "the wedding album",
    "the anniversary dinner", "flowers", "a thank-you card", "the christmas list", "wrapping paper",
    "the party invitations", "balloons", "the birthday cake", "candles", "the barbecue",
    "charcoal", "the picnic basket", "the cooler", "ice", "lemonade", "the wine order",
    "the neighbours' parcel", "the post office", "stamps", "envelopes", "the courier",
    "a refund", "the warranty", "the receipt", "the router", "the wifi password", "the laptop",
    "the phone", "the tablet", "the charger", "headphones", "the monitor", "the keyboard",
    "the mouse", "the webcam", "the printer", "the scanner", "the hard drive", "the cloud storage",
    "password manager", "two-factor codes", "the domain name", "the website", "the portfolio",
    "the podcast episode", "the video edit", "the thumbnail", "subtitles", "the script",
    "the slide template", "the logo", "business cards", "the brochure", "the flyer", "the poster",
    "the trade fair stand", "the quarterly plan", "OKRs", "the hiring plan", "the team offsite",
    "the retro", "sprint planning", "the standup notes", "the incident report", "the postmortem",
    "the on-call rota", "the dashboard", "the metrics", "the alerting rules", "the runbook",
    "the API docs", "the changelog", "the dependency upgrade", "the security audit",
    "the penetration test", "GDPR request", "the privacy policy", "the terms of service",
    "the NDA", "the supplier invoice", "the purchase order", "the timesheet", "expense receipts",
    "the mileage log", "the payroll", "the VAT return", "the accountant", "the bank",
    "the loan application", "the stock portfolio", "the crypto wallet", "the donation",
    "the charity run", "the school play", "the parent evening", "homework", "the science project",
    "the lunch boxes", "the school bus pass", "piano practice", "the swimming kit",
    "the football boots", "the tooth fairy", "nappies", "baby formula", "the pram", "the cot",
    "the nursery fees", "the pediatrician", "the hamster cage", "the fish tank", "bird seed",
    "the dog walker", "the kennel", "the cat flap", "the chicken coop", "tomato seedlings",
    "the compost", "the hedge", "the roses", "the greenhouse", "the lawnmower", "the leaf blower",
    "the pressure washer", "the patio", "the fence panels", "the shed", "the bird feeder",
    "the pond pump", "firewood", "the chimney sweep", "the boiler", "the septic tank",
    "the water softener", "the dishwasher", "the washing machine", "the tumble dryer",
    "the microwave", "the kettle", "the toaster", "the blender", "the espresso machine",
    "kombucha", "sourdough starter", "quinoa", "the spice rack", "the pantry", "the freezer",
    "meal prep", "the recipe book", "the farmers market order", "the organic box", "oat milk",
    "almond butter", "the harpsichord tuner", "the zither", "the xylophone mallets",
)  # fmt: skip

PEOPLE = (
    "Sam", "mom", "dad", "Alex", "the team", "my manager", "Lena", "grandma", "the landlord",
    "Priya", "Jonas", "the neighbours", "Chris", "Dr. Patel", "the accountant", "Maria", "Tom",
    "the kids", "Noah", "Emma", "the client", "Yusuf", "Fatima", "the plumber", "Olivia", "Liam",
    "Sofia", "the electrician", "Mateo", "Chloé", "Zoë", "Björn", "Siobhán", "the HR team",
    "the board", "Aunt Jo", "Uncle Ray", "the babysitter", "coach Dan", "Mr. Okafor",
    "the design team", "the support team", "Kenji", "Aiko", "Dmitri", "Ingrid", "Pablo", "Anaïs",
    "the vet", "the architect", "the builders", "Grace", "Hiro", "Wojciech", "Xiomara",
)  # fmt: skip

PLACES = (
    "at the office", "at home", "at the supermarket", "downtown", "at the pharmacy",
    "in the garage", "at Lidl", "at the bank", "at the post office", "online", "at IKEA",
    "in the garden", "at the school", "at the gym", "at the hardware store", "in town",
    "at the library", "at the station", "at the airport", "at the café", "at the market",
    "at the clinic", "at grandma's", "at the cottage", "in Berlin", "in Lisbon", "at the hotel",
    "at the town hall", "at the dry cleaner's", "at the garden centre", "at the bakery",
    "at the butcher's", "at the bike shop", "at the Apple store", "at the recycling centre",
    "in the attic", "in the basement", "at the allotment", "in Reykjavík", "in Zürich",
)  # fmt: skip

DETAILS = (
    "today", "tomorrow", "before Friday", "this week", "ASAP", "by end of month", "for next week",
    "before the deadline", "after lunch", "tonight", "on Monday", "before the trip",
    "with the latest numbers", "and confirm by email", "if the weather allows", "again",
    "and file the receipt", "before it expires", "for the weekend", "first thing",
    "before the meeting", "when it's cheaper", "for Q3", "for the holidays", "before winter",
    "after the school run", "while it's on sale", "once the parcel arrives", "this quarter",
    "before the inspection", "for the audit", "every other week",
)  # fmt: skip

# a description: "<opening> <object> <place>. <note>" (some parts left out), then a date
OPENINGS = (
    "Remember", "Don't forget", "Need to sort", "Ask about", "Follow up on", "Look into",
    "Talk to the team about", "Double-check", "Get quotes for", "Compare prices for",
    "Sam mentioned", "Notes on", "Waiting on", "Blocked by", "Idea:", "See the thread about",
)  # fmt: skip

NOTES = (
    "Keep the receipt.", "Call first to check opening hours.", "Use the shared card.",
    "Split the cost with Sam.", "Check the warranty.", "Bring the old one.", "Ask for a discount.",
    "Reference number in the email.", "Takes about an hour.", "Needs two people.",
    "Cheaper online.", "Was postponed last time.", "See attached photo.", "Password is in the vault.",
    "Only open weekdays.", "Deadline is strict.", "Low priority unless it breaks.",
    "Agreed in the last meeting.", "Budget approved.", "Waiting for a reply.",
)  # fmt: skip

TAGS = ("work", "home", "urgent", "errands", "finance", "health", "family", "Shopping",
        "reading", "travel", "Admin", "garden")  # fmt: skip
