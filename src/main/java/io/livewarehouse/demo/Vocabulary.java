package io.livewarehouse.demo;

import java.util.List;

/** Words the generator draws plausible names, titles and places from. Written for this project. */
final class Vocabulary {

    private Vocabulary() {
    }

    static final List<String> LANGUAGES = List.of("English", "Italian", "Japanese", "Mandarin", "French", "German");

    static final List<String> CATEGORIES = List.of("Action", "Animation", "Children", "Classics", "Comedy",
            "Documentary", "Drama", "Family", "Foreign", "Games", "Horror", "Music", "New", "Sci-Fi", "Sports",
            "Travel");

    static final List<String> SPECIAL_FEATURES = List.of("Trailers", "Commentaries", "Deleted Scenes", "Behind the Scenes");

    static final List<String> RATINGS = List.of("G", "PG", "PG-13", "R", "NC-17");

    /** 109 countries, as many as the sample has. */
    static final List<String> COUNTRIES = List.of("Afghanistan", "Algeria", "Angola", "Argentina", "Armenia",
            "Australia", "Austria", "Azerbaijan", "Bahrain", "Bangladesh", "Belarus", "Bolivia", "Brazil",
            "Brunei", "Bulgaria", "Cambodia", "Cameroon", "Canada", "Chad", "Chile", "China", "Colombia",
            "Congo", "Czech Republic", "Dominican Republic", "Ecuador", "Egypt", "Estonia", "Ethiopia",
            "Finland", "France", "French Guiana", "French Polynesia", "Gambia", "Germany", "Greece", "Greenland",
            "Holy See (Vatican City State)", "Hong Kong", "Hungary", "India", "Indonesia", "Iran", "Iraq",
            "Israel", "Italy", "Japan", "Kazakstan", "Kenya", "Kuwait", "Latvia", "Liechtenstein", "Lithuania",
            "Madagascar", "Malawi", "Malaysia", "Mexico", "Moldova", "Morocco", "Mozambique", "Myanmar", "Nauru",
            "Nepal", "Netherlands", "New Zealand", "Nigeria", "North Korea", "Oman", "Pakistan", "Paraguay",
            "Peru", "Philippines", "Poland", "Puerto Rico", "Romania", "Réunion", "Russian Federation",
            "Saint Vincent and the Grenadines", "Saudi Arabia", "Senegal", "Slovakia", "South Africa",
            "South Korea", "Spain", "Sri Lanka", "Sudan", "Sweden", "Switzerland", "Taiwan", "Tanzania",
            "Thailand", "Tonga", "Tunisia", "Turkey", "Turkmenistan", "Tuvalu", "Ukraine", "United Arab Emirates",
            "United Kingdom", "United States", "Venezuela", "Vietnam", "Virgin Islands, U.S.", "Yemen",
            "Yugoslavia", "Zambia", "Anguilla", "American Samoa", "Faroe Islands");

    static final List<String> CITY_STARTS = List.of("Al", "Bar", "Cal", "Dun", "El", "Fair", "Glen", "Har",
            "Is", "Kings", "Lan", "Mar", "Nor", "Oak", "Port", "Quin", "Ros", "San", "Tor", "Val", "West", "Ash",
            "Bel", "Cor", "Dor");

    static final List<String> CITY_ENDS = List.of("bury", "ford", "haven", "mouth", "field", "ton", "ville",
            "stad", "burg", "polis", "grad", "abad", "pur", "wick", "dale", "mont", "cester", "ham", "gate",
            "port", "sund", "heim", "ova", "ica");

    static final List<String> DISTRICTS = List.of("Alberta", "QLD", "Nagasaki", "California", "Attika",
            "Mandalay", "Nantou", "Texas", "Central Serbia", "Hamilton", "Buenos Aires", "Kanagawa", "Ontario",
            "England", "Bavaria", "Gujarat", "Punjab", "Sao Paulo", "Jalisco", "Shandong", "West Java",
            "Hokkaido", "Gyeonggi", "Andalucia", "Lombardia", "Nordrhein-Westfalen", "Île-de-France", "Kerala",
            "Rio Grande do Sul", "Southern Tagalog");

    static final List<String> STREETS = List.of("Abbey", "Beacon", "Cedar", "Dockside", "Elm", "Foundry",
            "Granite", "Harbor", "Ivy", "Juniper", "Kestrel", "Linden", "Maple", "Northgate", "Orchard", "Pine",
            "Quarry", "Riverside", "Sycamore", "Tanner", "Union", "Vine", "Willow", "Yarrow", "Zephyr",
            "Lakeshore", "Mill", "Chapel", "Meadow", "Station");

    static final List<String> STREET_KINDS = List.of("Street", "Avenue", "Road", "Lane", "Drive", "Boulevard",
            "Parkway", "Way", "Place", "Manor");

    static final List<String> FIRST_NAMES = List.of("Mary", "Patricia", "Linda", "Barbara", "Elizabeth",
            "Jennifer", "Maria", "Susan", "Margaret", "Dorothy", "Lisa", "Nancy", "Karen", "Betty", "Helen",
            "Sandra", "Donna", "Carol", "Ruth", "Sharon", "Michelle", "Laura", "Sarah", "Kimberly", "Deborah",
            "Jessica", "Shirley", "Cynthia", "Angela", "Melissa", "Brenda", "Amy", "Anna", "Rebecca", "Virginia",
            "Kathleen", "Pamela", "Martha", "Debra", "Amanda", "James", "John", "Robert", "Michael", "William",
            "David", "Richard", "Charles", "Joseph", "Thomas", "Christopher", "Daniel", "Paul", "Mark", "Donald",
            "George", "Kenneth", "Steven", "Edward", "Brian", "Ronald", "Anthony", "Kevin", "Jason", "Matthew",
            "Gary", "Timothy", "Jose", "Larry", "Jeffrey", "Frank", "Scott", "Eric", "Stephen", "Andrew",
            "Raymond", "Gregory", "Joshua", "Jerry", "Dennis", "Walter", "Patrick", "Peter", "Harold", "Douglas",
            "Henry", "Carl", "Arthur", "Ryan", "Roger", "Zoë", "José", "Renée", "Søren", "Łukasz", "Amélie",
            "Björn", "Chloé", "Ana", "Nuno");

    static final List<String> LAST_NAMES = List.of("Smith", "Johnson", "Williams", "Jones", "Brown", "Davis",
            "Miller", "Wilson", "Moore", "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris", "Martin",
            "Thompson", "Garcia", "Martinez", "Robinson", "Clark", "Rodriguez", "Lewis", "Lee", "Walker", "Hall",
            "Allen", "Young", "Hernandez", "King", "Wright", "Lopez", "Hill", "Scott", "Green", "Adams", "Baker",
            "Gonzalez", "Nelson", "Carter", "Mitchell", "Perez", "Roberts", "Turner", "Phillips", "Campbell",
            "Parker", "Evans", "Edwards", "Collins", "Stewart", "Sanchez", "Morris", "Rogers", "Reed", "Cook",
            "Morgan", "Bell", "Murphy", "Bailey", "Rivera", "Cooper", "Richardson", "Cox", "Howard", "Ward",
            "Torres", "Peterson", "Gray", "Ramirez", "James", "Watson", "Brooks", "Kelly", "Sanders", "Price",
            "Bennett", "Wood", "Barnes", "Ross", "Henderson", "Coleman", "Jenkins", "Perry", "Powell", "Long",
            "Patterson", "Hughes", "Flores", "Washington", "Butler", "Simmons", "Foster", "Gonzales", "Bryant",
            "Alexander", "Russell", "Griffin", "Müller", "O'Brien", "Núñez", "Kowalczyk", "Ødegaard", "Dubois");

    static final List<String> TITLE_FIRST = List.of("Academy", "Airport", "Alabama", "Alien", "Amadeus",
            "Angels", "Apollo", "Arabia", "Attacks", "Ballroom", "Bandit", "Beach", "Bedazzled", "Betrayed",
            "Blade", "Blanket", "Bound", "Bride", "Bubble", "Bull", "Cabin", "Casablanca", "Chamber", "Chicago",
            "Cider", "Clockwork", "Clue", "Confidential", "Crystal", "Dancing", "Darkness", "Daughter", "Desert",
            "Dragon", "Dream", "Dynamite", "Eagles", "Egypt", "Empire", "Escape", "Fantasy", "Fiction", "Flamingos",
            "Forrest", "Frontier", "Galaxy", "Ghost", "Gladiator", "Golden", "Grosse");

    static final List<String> TITLE_SECOND = List.of("Dinosaur", "Pollock", "Italian", "Wonderful", "Gables",
            "Hunter", "Sunrise", "Rocketeer", "Express", "Knock", "Cowboy", "Harvest", "Empire", "Lovely",
            "Ridgemont", "Sisters", "Motions", "Confessions", "Champion", "Saturday", "Reunion", "Jumanji",
            "Feud", "Groundhog", "Harper", "Mixed", "Packer", "Runaway", "Shepherd", "Storm", "Trap", "Voyage",
            "Window", "Zorro", "Boondock", "Carol", "Divine", "Lawrence", "Maiden", "Outbreak");

    static final List<String> DESCRIPTION_ADJECTIVES = List.of("Fateful", "Epic", "Astounding", "Touching",
            "Thoughtful", "Fast-Paced", "Boring", "Action-Packed", "Emotional", "Intrepid", "Insightful",
            "Lacklusture", "Awe-Inspiring", "Amazing", "Beautiful", "Brilliant", "Unbelieveable", "Taut");

    static final List<String> DESCRIPTION_KINDS = List.of("Reflection", "Drama", "Tale", "Documentary",
            "Saga", "Story", "Panorama", "Character Study", "Display", "Epistle", "Yarn");

    static final List<String> DESCRIPTION_WHO = List.of("Moose", "Husband", "Monkey", "Cat", "Explorer", "Girl",
            "Boy", "Dentist", "Feminist", "Robot", "Pastry Chef", "Mad Scientist", "Frisbee", "Composer", "Woman",
            "Man", "Dog", "Database Administrator", "Lumberjack", "Crocodile", "Squirrel", "Sumo Wrestler");

    static final List<String> DESCRIPTION_VERBS = List.of("Overcome", "Redeem", "Confront", "Chase", "Outgun",
            "Defeat", "Find", "Kill", "Fight", "Outrace", "Pursue", "Sink", "Succumb", "Meet", "Vanquish", "Build");

    static final List<String> DESCRIPTION_PLACES = List.of("Nigeria", "Australia", "Ancient India",
            "A Shark Tank", "The Gulf of Mexico", "A Baloon Factory", "The Canadian Rockies", "A Jet Boat",
            "A U-Boat", "An Abandoned Fun House", "A MySQL Convention", "Berlin", "Ancient China",
            "The First Manned Space Station", "Soviet Georgia", "A Monastery", "The Outback", "A Manhattan Penthouse");
}
