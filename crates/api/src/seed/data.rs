//! Embedded reference lists: states, counties, names, streets and the weighted L2 value tables.
//!
//! Every L2 text in the weighted tables is chosen so that the domain's `from_l2` maps it to the intended
//! criteria value (the tests check that no non-empty text maps to `unknown`).

/// A weighted L2 value table: `(text, weight)`; an empty text means "not given".
pub(crate) type Weighted = [(&'static str, u32)];

/// One state or territory: code, proper-case name, a real area code and the first three ZIP digits.
pub(crate) struct StateInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub area_code: u16,
    pub zip3: u32,
}

const fn st(code: &'static str, name: &'static str, area_code: u16, zip3: u32) -> StateInfo {
    StateInfo {
        code,
        name,
        area_code,
        zip3,
    }
}

/// Every code of `winserve_domain::STATE_CODES`, with its name, area code and ZIP prefix.
pub(crate) const STATES: [StateInfo; 56] = [
    st("AL", "Alabama", 205, 350),
    st("AK", "Alaska", 907, 995),
    st("AZ", "Arizona", 602, 850),
    st("AR", "Arkansas", 501, 716),
    st("CA", "California", 213, 900),
    st("CO", "Colorado", 303, 800),
    st("CT", "Connecticut", 203, 60),
    st("DE", "Delaware", 302, 197),
    st("FL", "Florida", 305, 320),
    st("GA", "Georgia", 404, 300),
    st("HI", "Hawaii", 808, 967),
    st("ID", "Idaho", 208, 832),
    st("IL", "Illinois", 312, 600),
    st("IN", "Indiana", 317, 460),
    st("IA", "Iowa", 515, 500),
    st("KS", "Kansas", 316, 660),
    st("KY", "Kentucky", 502, 400),
    st("LA", "Louisiana", 504, 700),
    st("ME", "Maine", 207, 39),
    st("MD", "Maryland", 410, 206),
    st("MA", "Massachusetts", 617, 10),
    st("MI", "Michigan", 313, 480),
    st("MN", "Minnesota", 612, 550),
    st("MS", "Mississippi", 601, 386),
    st("MO", "Missouri", 314, 630),
    st("MT", "Montana", 406, 590),
    st("NE", "Nebraska", 402, 680),
    st("NV", "Nevada", 702, 889),
    st("NH", "New Hampshire", 603, 30),
    st("NJ", "New Jersey", 201, 70),
    st("NM", "New Mexico", 505, 870),
    st("NY", "New York", 212, 100),
    st("NC", "North Carolina", 919, 270),
    st("ND", "North Dakota", 701, 580),
    st("OH", "Ohio", 614, 430),
    st("OK", "Oklahoma", 405, 730),
    st("OR", "Oregon", 503, 970),
    st("PA", "Pennsylvania", 215, 150),
    st("RI", "Rhode Island", 401, 28),
    st("SC", "South Carolina", 803, 290),
    st("SD", "South Dakota", 605, 570),
    st("TN", "Tennessee", 615, 370),
    st("TX", "Texas", 214, 750),
    st("UT", "Utah", 801, 840),
    st("VT", "Vermont", 802, 50),
    st("VA", "Virginia", 804, 220),
    st("WA", "Washington", 206, 980),
    st("WV", "West Virginia", 304, 247),
    st("WI", "Wisconsin", 414, 530),
    st("WY", "Wyoming", 307, 820),
    st("DC", "District of Columbia", 202, 200),
    st("PR", "Puerto Rico", 787, 6),
    st("GU", "Guam", 671, 969),
    st("VI", "U.S. Virgin Islands", 340, 8),
    st("AS", "American Samoa", 684, 967),
    st("MP", "Northern Mariana Islands", 670, 969),
];

/// Real counties (proper case) with their seat, largest first, for a few states.
pub(crate) fn real_counties(state: &str) -> &'static [(&'static str, &'static str)] {
    match state {
        "WY" => &[
            ("Laramie", "Cheyenne"),
            ("Natrona", "Casper"),
            ("Campbell", "Gillette"),
            ("Sweetwater", "Rock Springs"),
            ("Fremont", "Riverton"),
            ("Albany", "Laramie"),
            ("Sheridan", "Sheridan"),
            ("Park", "Cody"),
            ("Teton", "Jackson"),
            ("Uinta", "Evanston"),
            ("Lincoln", "Kemmerer"),
            ("Carbon", "Rawlins"),
            ("Converse", "Douglas"),
            ("Goshen", "Torrington"),
            ("Big Horn", "Basin"),
            ("Sublette", "Pinedale"),
            ("Platte", "Wheatland"),
            ("Johnson", "Buffalo"),
            ("Washakie", "Worland"),
            ("Crook", "Sundance"),
            ("Weston", "Newcastle"),
            ("Hot Springs", "Thermopolis"),
            ("Niobrara", "Lusk"),
        ],
        "CA" => &[
            ("Los Angeles", "Los Angeles"),
            ("San Diego", "San Diego"),
            ("Orange", "Santa Ana"),
            ("Riverside", "Riverside"),
            ("San Bernardino", "San Bernardino"),
            ("Santa Clara", "San Jose"),
            ("Alameda", "Oakland"),
            ("Sacramento", "Sacramento"),
        ],
        "TX" => &[
            ("Harris", "Houston"),
            ("Dallas", "Dallas"),
            ("Tarrant", "Fort Worth"),
            ("Bexar", "San Antonio"),
            ("Travis", "Austin"),
            ("Collin", "McKinney"),
            ("El Paso", "El Paso"),
        ],
        "NC" => &[
            ("Mecklenburg", "Charlotte"),
            ("Wake", "Raleigh"),
            ("Guilford", "Greensboro"),
            ("Forsyth", "Winston-Salem"),
            ("Durham", "Durham"),
            ("Buncombe", "Asheville"),
        ],
        "PA" => &[
            ("Philadelphia", "Philadelphia"),
            ("Allegheny", "Pittsburgh"),
            ("Montgomery", "Norristown"),
            ("Bucks", "Doylestown"),
            ("Delaware", "Media"),
            ("Lancaster", "Lancaster"),
        ],
        "FL" => &[
            ("Miami-Dade", "Miami"),
            ("Broward", "Fort Lauderdale"),
            ("Palm Beach", "West Palm Beach"),
            ("Hillsborough", "Tampa"),
            ("Orange", "Orlando"),
            ("Duval", "Jacksonville"),
        ],
        _ => &[],
    }
}

/// County names common to many states, used after (or instead of) the real ones.
pub(crate) const GENERIC_COUNTIES: &[&str] = &[
    "Washington",
    "Jefferson",
    "Franklin",
    "Jackson",
    "Lincoln",
    "Madison",
    "Clay",
    "Montgomery",
    "Marion",
    "Monroe",
    "Union",
    "Wayne",
    "Warren",
    "Greene",
    "Grant",
    "Carroll",
    "Hamilton",
    "Marshall",
    "Polk",
    "Lake",
    "Douglas",
    "Lee",
    "Adams",
    "Clark",
    "Fayette",
    "Benton",
    "Johnson",
    "Shelby",
    "Perry",
    "Scott",
];

/// Town names common to many states: generic county seats and the other towns of every county.
pub(crate) const GENERIC_TOWNS: &[&str] = &[
    "Springfield",
    "Fairview",
    "Riverton",
    "Greenville",
    "Franklin",
    "Clinton",
    "Georgetown",
    "Salem",
    "Bristol",
    "Oakdale",
    "Milton",
    "Ashland",
    "Dover",
    "Lebanon",
    "Newport",
    "Burlington",
    "Clayton",
    "Centerville",
    "Kingston",
    "Hudson",
    "Auburn",
    "Dayton",
    "Jamestown",
    "Lexington",
    "Oxford",
    "Winchester",
    "Hillsboro",
    "Mount Vernon",
    "Pleasant Valley",
    "Cedar Falls",
];

/// Common male first names, most frequent first (a few accented ones for accent-insensitive search).
pub(crate) const MALE_FIRST: &[&str] = &[
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas", "Christopher",
    "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Andrew", "Paul", "Joshua",
    "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Jason", "Edward", "Jeffrey", "Ryan",
    "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
    "Benjamin", "Samuel", "Gregory", "Alexander", "Patrick", "Frank", "Raymond", "Jack", "Dennis", "Jerry",
    "Tyler", "Aaron", "Henry", "Douglas", "Peter", "Adam", "Nathan", "Zachary", "Walter", "Kyle", "Harold",
    "Carl", "Jeremy", "Gerald", "Keith", "Roger", "Arthur", "Terry", "Lawrence", "Sean", "Christian",
    "Ethan", "Austin", "Joe", "Albert", "Jesse", "Willie", "Billy", "Bryan", "Bruce", "Noah", "Jordan",
    "Dylan", "Ralph", "Roy", "Alan", "Wayne", "Eugene", "Gabriel", "Louis", "Russell", "Randy", "Vincent",
    "Philip", "Logan", "Bobby", "Liam", "Mason", "Owen", "Caleb", "André", "René", "François", "Joël",
];

/// Common female first names, most frequent first (a few accented ones).
pub(crate) const FEMALE_FIRST: &[&str] = &[
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
    "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
    "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Dorothy", "Rebecca", "Sharon", "Laura",
    "Cynthia", "Amy", "Kathleen", "Angela", "Shirley", "Brenda", "Emma", "Anna", "Pamela", "Nicole",
    "Samantha", "Katherine", "Christine", "Helen", "Debra", "Rachel", "Carolyn", "Janet", "Maria",
    "Catherine", "Heather", "Diane", "Olivia", "Julie", "Joyce", "Victoria", "Ruth", "Virginia", "Lauren",
    "Kelly", "Christina", "Joan", "Evelyn", "Judith", "Andrea", "Hannah", "Megan", "Cheryl", "Jacqueline",
    "Martha", "Madison", "Teresa", "Gloria", "Sara", "Janice", "Ann", "Kathryn", "Abigail", "Sophia",
    "Frances", "Jean", "Alice", "Judy", "Isabella", "Julia", "Grace", "Amber", "Denise", "Danielle",
    "Marilyn", "Beverly", "Charlotte", "Natalie", "Theresa", "Diana", "Brittany", "Doris", "Kayla",
    "Alexis", "Zoë", "Chloé", "Renée", "Noémie", "Anaïs", "Mary-Kate",
];

/// Hispanic male first names.
pub(crate) const HISPANIC_MALE_FIRST: &[&str] = &[
    "José", "Luis", "Carlos", "Juan", "Jesús", "Miguel", "Alejandro", "Nicolás", "Andrés", "Jorge", "Héctor",
    "Raúl", "Ramón", "Julián", "Sebastián", "Mateo", "Diego", "Javier", "Manuel", "Francisco",
];

/// Hispanic female first names.
pub(crate) const HISPANIC_FEMALE_FIRST: &[&str] = &[
    "María", "Sofía", "Lucía", "Inés", "Ana", "Guadalupe", "Mónica", "Verónica", "Adriana", "Rocío",
    "Ximena", "Valentina", "Camila", "Daniela", "Elena", "Gabriela", "Isabel", "Carmen", "Rosa", "Yolanda",
];

/// Common last names, most frequent first, with some accented, hyphenated and multi-word ones.
pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker",
    "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans",
    "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper",
    "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks",
    "Bennett", "Gray", "James", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Powell",
    "Jenkins", "Perry", "Russell", "Sullivan", "Fisher", "Henderson", "Coleman", "Simmons", "Patterson",
    "Jordan", "Reynolds", "Hamilton", "Graham", "Wallace", "West", "Cole", "Hayes", "Bryant", "Gibson",
    "Ellis", "Stevens", "Murray", "Ford", "Marshall", "Owens", "McDonald", "Harrison", "Kennedy", "Wells",
    "Alexander", "Griffin", "Hunt", "Hicks", "Palmer", "Holmes", "Black", "Stone", "Meyer", "Boyd", "Mills",
    "Warren", "Fox", "Rose", "Rice", "Schmidt", "Weaver", "Hansen", "Larson", "Olson", "Nielsen", "Schultz",
    "Becker", "Hoffman", "Wagner", "Koch", "Fischer", "Weber", "Washington", "Jefferson", "Banks",
    "Freeman", "Robertson", "McCarthy", "O'Brien", "O'Connor", "Beaulieu", "Côté", "Gagné", "Bélanger",
    "Thériault", "Lévesque", "Dubois", "Lefèvre", "Müller", "Schröder", "DeLuca", "Van Buren",
    "Van der Berg", "Smith-Jones", "Taylor-Brown", "Harris-Lee", "Martin-Clark", "St. Pierre",
    "Løvland", "Ångström",
];

/// Hispanic last names (mostly accented).
pub(crate) const HISPANIC_LAST: &[&str] = &[
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez",
    "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes", "Gutiérrez", "Ortiz",
    "Chávez", "Ramos", "Ruiz", "Álvarez", "Mendoza", "Castillo", "Jiménez", "Vásquez", "Moreno", "Romero",
    "Herrera", "Medina", "Aguilar", "Núñez", "Peña", "Muñoz", "Ibáñez", "Domínguez", "Vargas", "Castro",
    "Guzmán", "García-López", "Fernández-Ruiz",
];

/// Asian last names.
pub(crate) const ASIAN_LAST: &[&str] = &[
    "Nguyen", "Tran", "Kim", "Le", "Pham", "Chen", "Patel", "Park", "Wang", "Li", "Zhang", "Liu", "Huang",
    "Shah", "Singh", "Kumar", "Wong", "Yamamoto", "Tanaka", "Sato", "Choi", "Cho", "Huynh", "Vo", "Lee",
];

/// Name suffixes.
pub(crate) const SUFFIXES: &Weighted = &[("Jr", 60), ("Sr", 20), ("III", 15), ("II", 5)];

/// Street names.
pub(crate) const STREETS: &[&str] = &[
    "Main", "Elm", "Oak", "Pine", "Maple", "Cedar", "Park", "Washington", "Lake", "Hill", "Church",
    "Spring", "Ridge", "Sunset", "Lincoln", "Jefferson", "Central", "Highland", "Meadow", "River", "Willow",
    "Birch", "Aspen", "Prairie", "Mountain View", "Forest", "Valley", "Cherry", "Walnut", "Chestnut",
    "Dogwood", "Magnolia", "Hickory", "Sycamore", "Cottonwood", "Juniper", "Sage", "Bluebird", "Eagle",
    "Canyon", "1st", "2nd", "3rd", "4th", "5th", "10th", "12th", "Lincolnway",
];

/// Street suffixes.
pub(crate) const STREET_SUFFIXES: &Weighted = &[
    ("St", 30),
    ("Ave", 20),
    ("Rd", 12),
    ("Dr", 14),
    ("Ln", 8),
    ("Ct", 6),
    ("Blvd", 3),
    ("Way", 4),
    ("Pl", 3),
];

/// `Gender`.
pub(crate) const GENDERS: &Weighted = &[("M", 48), ("F", 50), ("", 2)];

/// `Parties_Description`.
pub(crate) const PARTIES: &Weighted = &[
    ("Republican", 33),
    ("Democratic", 31),
    ("Non-Partisan", 6),
    ("Independent", 5),
    ("Unaffiliated", 9),
    ("Libertarian", 2),
    ("Green", 1),
    ("Constitution", 1),
    ("", 12),
];

/// `Voter_Status` of voters aged 20 or less.
pub(crate) const STATUS_YOUNG: &Weighted = &[
    ("First Time", 45),
    ("Unlikely", 20),
    ("Unreliable", 20),
    ("Likely", 8),
    ("Super", 2),
    ("", 5),
];
/// `Voter_Status` of voters aged 60 or more.
pub(crate) const STATUS_OLD: &Weighted = &[
    ("Super", 35),
    ("Likely", 30),
    ("Unreliable", 15),
    ("Unlikely", 10),
    ("First Time", 1),
    ("", 9),
];
/// `Voter_Status` of the others.
pub(crate) const STATUS_OTHER: &Weighted = &[
    ("Super", 18),
    ("Likely", 27),
    ("Unreliable", 24),
    ("Unlikely", 19),
    ("First Time", 4),
    ("", 8),
];

/// `Marital_Status` under 25.
pub(crate) const MARITAL_YOUNG: &Weighted = &[
    ("Single", 45),
    ("Inferred Single", 25),
    ("Married", 5),
    ("Inferred Married", 5),
    ("", 20),
];
/// `Marital_Status` from 25.
pub(crate) const MARITAL_OTHER: &Weighted = &[
    ("Married", 40),
    ("Inferred Married", 14),
    ("Single", 16),
    ("Inferred Single", 12),
    ("", 18),
];

/// `Presence_Of_Children` from 25 to 55.
pub(crate) const CHILDREN_PARENTS: &Weighted = &[("Y", 50), ("N", 30), ("", 20)];
/// `Presence_Of_Children` of the others.
pub(crate) const CHILDREN_OTHER: &Weighted = &[("Y", 12), ("N", 55), ("", 33)];

/// `Homeowner_Probability_Model` under 25.
pub(crate) const HOMEOWNER_YOUNG: &Weighted = &[
    ("Renter", 55),
    ("Probable Home Owner", 10),
    ("Home Owner", 10),
    ("", 25),
];
/// `Homeowner_Probability_Model` from 25.
pub(crate) const HOMEOWNER_OTHER: &Weighted = &[
    ("Home Owner", 50),
    ("Probable Home Owner", 15),
    ("Renter", 20),
    ("", 15),
];

/// `Education_Of_Person`.
pub(crate) const EDUCATION: &Weighted = &[
    ("High School Diploma", 28),
    ("Vocational Technical Degree", 5),
    ("Some College", 17),
    ("College Degree", 20),
    ("Graduate Degree", 8),
    ("Less Than Diploma", 2),
    ("", 20),
];

/// `EthnicGroups_EthnicGroup1Desc`, as the index of the group for the name lists.
pub(crate) const ETHNICITIES: &Weighted = &[
    ("European", 60),
    ("Hispanic and Portuguese", 14),
    ("Likely African-American", 9),
    ("East and South Asian", 4),
    ("Other", 3),
    ("", 10),
];

/// `Language_Code` of Hispanic voters.
pub(crate) const LANGUAGE_HISPANIC: &Weighted = &[("ES", 55), ("EN", 40), ("", 5)];
/// `Language_Code` of Asian voters.
pub(crate) const LANGUAGE_ASIAN: &Weighted = &[
    ("EN", 60),
    ("ZH", 10),
    ("VI", 8),
    ("KO", 5),
    ("TL", 5),
    ("HI", 4),
    ("", 8),
];
/// `Language_Code` of the others.
pub(crate) const LANGUAGE_OTHER: &Weighted = &[
    ("EN", 92),
    ("ES", 1),
    ("FR", 1),
    ("DE", 1),
    ("", 5),
];

/// Age brackets `(low, high, weight)`, inclusive.
pub(crate) const AGE_BRACKETS: [(i16, i16, u32); 6] = [
    (18, 24, 11),
    (25, 34, 16),
    (35, 49, 24),
    (50, 64, 26),
    (65, 79, 18),
    (80, 95, 5),
];

/// Every weighted table, for the tests that check the L2 texts map to known values.
#[cfg(test)]
pub(crate) const ALL_TABLES: [(&str, &Weighted); 20] = [
    ("suffix", SUFFIXES),
    ("street_suffix", STREET_SUFFIXES),
    ("gender", GENDERS),
    ("party", PARTIES),
    ("status_young", STATUS_YOUNG),
    ("status_old", STATUS_OLD),
    ("status_other", STATUS_OTHER),
    ("marital_young", MARITAL_YOUNG),
    ("marital_other", MARITAL_OTHER),
    ("children_parents", CHILDREN_PARENTS),
    ("children_other", CHILDREN_OTHER),
    ("homeowner_young", HOMEOWNER_YOUNG),
    ("homeowner_other", HOMEOWNER_OTHER),
    ("education", EDUCATION),
    ("ethnicity", ETHNICITIES),
    ("language_hispanic", LANGUAGE_HISPANIC),
    ("language_asian", LANGUAGE_ASIAN),
    ("language_other", LANGUAGE_OTHER),
    ("veteran", &[("Yes", 1), ("", 1)]),
    ("business_owner", &[("Yes", 1), ("", 1)]),
];
