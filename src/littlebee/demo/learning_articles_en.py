# ruff: noqa: E501 - sentences of the demo's content, kept whole
"""The demo's 27 articles and 4 quizzes in English, in the order of learning_data.ARTICLES and
learning_data.QUIZZES (the loader zips them strictly, so a missing or extra entry fails loudly).

Translations of our own Chinese text, sentence for sentence: no figure, deadline or phone number
is added or changed. The product's own names read as its English pages do (Hive station for
蜂巢驿站, Snap & Report for 随手拍, My Appeals for 我的诉求).
"""

from __future__ import annotations

# (title, summary, paragraphs): one paragraph for each of the Chinese article's.
ARTICLES_EN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "The basic rights of workers in new forms of employment",
        "Taking orders on a platform is work too: your pay, rest, safety and social insurance are protected.",
        (
            'The guiding opinions issued by the Ministry of Human Resources and Social Security and seven other departments bring riders, couriers and ride-hailing drivers whose work "does not fully meet the conditions of an employment relationship" under protection as well. '
            "Put simply: whatever contract you signed with the platform, your work is protected.",
            "On pay, the platform must pay you on time and in full, and not below the local minimum wage; "
            "deliveries in bad weather, at night and on public holidays should earn a reasonable allowance.",
            "On rest, the platform must set a reasonable order load and online working time, and after taking orders continuously for more than a set time you must be made to take a break.",
            "If you find money deducted without reason or fines that are too high, you can first appeal on the platform, or raise it under My Appeals; the enterprise party organisation and the industry party committee will follow it up.",
        ),
    ),
    (
        "Occupational injury protection: what if you are hurt on a delivery?",
        "Hubei is a pilot province for occupational injury protection for workers in new forms of employment: eligible riders and drivers are insured by their platform.",
        (
            'Occupational injury protection is "work injury insurance" designed for platform workers. The platforms in the pilot pay a contribution per order; riders pay nothing themselves.',
            "If you are injured during working time, at your post and because of your work, for example in a traffic accident on the way to deliver a meal, "
            "you can apply for benefits, including medical costs and disability benefits.",
            "After an injury, the first thing to do is keep the evidence: your order records, location track, the accident report and your medical receipts. "
            "Then report the case in the platform's app, or call 12333 for advice.",
            'Not sure whether you are insured? Check the "Occupational injury protection" page in the platform\'s app, '
            "or ask the staff at your nearest Hive station to look it up for you.",
        ),
    ),
    (
        "Unpaid wages: who can help?",
        "Labour inspection, mediation and legal aid: all three routes are free.",
        (
            "When your pay is owed to you, first keep the evidence: chat records, transfer records, screenshots of orders and attendance records all help.",
            "You can call the 12333 labour and social security hotline, or complain to the labour inspection brigade of your district's human resources and social security bureau; "
            "if the amount is small and you want it settled quickly, you can apply for labour and personnel dispute mediation.",
            "If you are in financial difficulty, you can apply to a legal aid centre for a free lawyer. Every district of Wuhan has legal aid workstations, and some Hive stations also have an advice desk.",
        ),
    ),
    (
        "Platform algorithms concern you: dispatch rules must be made public",
        "When a platform sets its rules for dispatching orders, pricing and assessment, it should hear workers' views and publish the rules.",
        (
            '"Taking the middle of the algorithm" is the policy direction of recent years: a platform must not make its "strictest algorithm" the standard it assesses you by, and should instead use approaches such as "taking the middle of the algorithm" '
            "to set reasonable order numbers, online rates and delivery time limits.",
            "Changes to rules on pay, working time, rewards and penalties should be published in advance, with workers' views heard through the trade union or workers' representatives.",
            "If you think time limits are too tight or the fines unreasonable, you can raise it through the enterprise party organisation, the trade union or My Appeals.",
        ),
    ),
    (
        "What you gain by joining a trade union",
        "Couriers, delivery riders and ride-hailing drivers can all join a trade union, and members receive hardship support, legal services and rest-and-recuperation breaks.",
        (
            "Trade unions are open to workers in new forms of employment: you can join by scanning a code on your phone, with no complicated paperwork.",
            "Once you have joined, you can receive help with serious illness, school grants for your children, legal aid, and cooling supplies in summer and warmth in winter.",
            "When you are in a dispute over your rights, the union can negotiate with the company for you and, if needed, represent you in mediation.",
        ),
    ),
    (
        "Wuhan's ten measures of care for new employment groups",
        "From caring rest stations to school places for children: the city's list of services for delivery workers.",
        (
            "The city has built several hundred Hive stations (warm stations for new employment workers), offering five basic services: shelter from heat and cold, rest and phone charging, drinking water and reheating meals, reading and learning, and emergency repairs.",
            "Some model stations also offer childcare, free health check-ups, discounts at nearby shops and a charity canteen.",
            "Members of new employment groups in stable work in Wuhan can benefit from the relevant policies, as the rules provide, when their children start school and when they apply for public rental housing; each district's announcements are authoritative.",
            "The points you earn by taking part in community governance, reporting with Snap & Report and volunteering can be exchanged for gifts at any Hive station in the city.",
        ),
    ),
    (
        "Income tax: do you have to declare platform income?",
        "The platform usually withholds the tax for you; remember to check it at the annual reconciliation.",
        (
            "What riders and drivers earn from a platform counts as individual income, and the platform usually withholds and pays the tax as the rules require.",
            'Every year from March to June you can do your annual tax reconciliation in the "Individual Income Tax" app; people on lower incomes often get a refund.',
            "Remember to declare the special additional deductions truthfully, such as for children's education, supporting elderly parents and renting a home.",
        ),
    ),
    (
        "How flexible workers can join pension and medical insurance",
        "Even without an employer paying in, you can join employee pension insurance and medical insurance on your own.",
        (
            "Flexible workers employed in Wuhan can join the basic employee pension insurance and basic employee medical insurance as individuals; the household registration (hukou) restriction has been lifted.",
            "You can choose your own contribution base within the set range, and pay monthly or yearly.",
            'Where to apply: the Hubei Government Services website, the "E Hui Ban" app, or ask at your community\'s party and public service centre.',
        ),
    ),
    (
        "How to get a ride-hailing driver's licence",
        "Driving for a ride-hailing service takes \"three licences\": the driver's licence, the vehicle's transport licence and the platform's permit.",
        (
            "Drivers need an online car-hailing taxi driver's licence: at least three years of driving experience, no serious traffic offences and no criminal record, "
            "and a pass in the national general exam and the Wuhan local exam.",
            "The vehicle needs an online car-hailing taxi transport licence; the vehicle requirements are those set by Wuhan's transport authorities.",
            "Taking orders without the qualification means facing penalties, and the platform will also stop sending you orders.",
        ),
    ),
    (
        "Riding an e-bike on the road: rules to remember",
        "Wear a helmet, keep to the non-motorised lane, don't run red lights, don't ride against traffic, don't carry passengers against the rules.",
        (
            "You must wear a safety helmet when riding an electric bicycle: the Hubei Provincial Regulations on the Management of Electric Bicycles require it explicitly.",
            "Ride in the non-motorised vehicle lane; where there is none, keep to the right-hand side of the roadway. Do not enter motor vehicle lanes or pavements.",
            "Do not run red lights or ride against the traffic, and do not use your phone while riding. Every order matters, but safety matters more.",
            "Electric bicycles must be registered and carry a number plate. Modifying the bike or fitting a high-capacity battery is against the law, and can easily cause a fire.",
        ),
    ),
    (
        "Riding safely at night and in the rain",
        "See, be seen, slow down.",
        (
            "At night, turn your lights on and wear clothes with reflective strips; put reflective stickers on your helmet so that drivers notice you more easily.",
            "In the rain the road is slippery and braking distances get longer: slow down for turns, manhole covers and zebra crossings.",
            "Don't let your raincoat block your view, fix your phone holder firmly, and don't look at the navigation while riding.",
            "In bad weather such as rainstorms, ice and snow, you can ask the platform for more time. Safety comes first.",
        ),
    ),
    (
        "Ride-hailing drivers: preventing fatigued driving",
        "After 4 hours of continuous driving, rest for at least 20 minutes.",
        (
            "Fatigued driving is a major cause of traffic accidents. After more than 4 hours of continuous driving, you should stop and rest for no less than 20 minutes.",
            "When you feel sleepy, don't push on: stop somewhere safe, drink some water, get out and move about, or take a short nap.",
            "Many platforms remind you of your continuous online time and log you off by force: this is there to protect you.",
        ),
    ),
    (
        "In a traffic accident, do these three things first",
        "Protect the scene, call the police and help the injured, keep the evidence.",
        (
            "First, turn on the hazard warning lights, place a warning sign facing the oncoming traffic, and move everyone to a safe place.",
            "Second, if anyone is hurt, call 120 and 122 at once; in a minor accident with no injuries and vehicles that can still move, you may take photos, leave the scene and settle it between you.",
            "Third, photograph the whole scene, the vehicles' positions, the damage and the other party's documents, and keep your order records: "
            "you will need them later to claim on insurance or apply for occupational injury protection.",
        ),
    ),
    (
        "E-bike battery fires are closer than you think",
        "Don't charge in stairwells or indoors, and don't buy batteries of unknown origin.",
        (
            "Most electric bicycle fires start while charging. Once a lithium battery goes into thermal runaway, it burns fiercely within seconds and gives off toxic smoke.",
            "Never take an e-bike or its battery into a lift, a stairwell or indoors to charge it: use a shared charging point or a battery-swap cabinet.",
            "Do not buy or use modified, refurbished or unknown-origin batteries; don't charge for too long, and unplug as soon as the battery is full.",
            "If a battery swells, gets hot or smells strange, stop using it at once and keep it away from people and anything flammable.",
        ),
    ),
    (
        "Learn to use a fire extinguisher",
        "Lift, pull, aim, squeeze: four steps to remember.",
        (
            "Lift: pick up the extinguisher and turn it upside down a few times to loosen the powder.",
            "Pull: pull out the safety pin.",
            "Aim: hold the hose in one hand and aim at the base of the flames, standing upwind, two to three metres from the fire.",
            "Squeeze: press the handle down hard and sweep from side to side until the flames are out. A lithium battery fire needs a large amount of water to keep cooling it, and call the fire service straight away.",
        ),
    ),
    (
        "Fire safety at Hive stations",
        "The station is everyone's home, and keeping it safe is up to all of us.",
        (
            "Charging e-bike batteries inside the station is not allowed: please use the shared charging facilities outside.",
            "Keep the emergency exits and escape routes clear, and don't leave delivery boxes or parcels in the passageways.",
            "If you notice smoke or a burning smell, tell the station keeper at once and call 119. Everyone can learn to use the station's fire extinguishers and emergency lights.",
        ),
    ),
    (
        "What to do when you spot a fire hazard on a delivery",
        "Blocked stairwells, fire doors propped open, cables trailed out for charging: report them all with Snap & Report.",
        (
            "Delivery workers go in and out of countless homes every day and are the most likely to spot fire hazards: blocked escape routes, locked emergency exits, charging cables trailed into stairwells.",
            'When you find one, take a photo and report it with Snap & Report, choosing the "Safety hazard" category; the community and the fire service will deal with it on time.',
            "Safety hazard reports that are confirmed can earn points.",
        ),
    ),
    (
        'What the "Two Establishes" and "Two Upholds" mean',
        "An important political achievement and political requirement of the Party, explained in plain words.",
        (
            'The "Two Establishes" are establishing Comrade Xi Jinping\'s position as the core of the Party Central Committee and of the whole Party, and establishing the guiding role of Xi Jinping Thought on Socialism with Chinese Characteristics for a New Era.',
            "The \"Two Upholds\" are resolutely upholding General Secretary Xi Jinping's position as the core of the Party Central Committee and of the whole Party, and resolutely upholding the Party Central Committee's authority and its centralised, unified leadership.",
            "For delivery workers who are Party members, in daily life this means following the rules and keeping your word at work, and setting an example among the people around you.",
        ),
    ),
    (
        "How mobile Party members take part in Party life",
        "On the road with orders, still connected to your Party organisation.",
        (
            "Mobile Party members working away from home can take part in Party life with a Party organisation where they now work, such as the enterprise's Party organisation, the industry Party committee or the community Party organisation.",
            'Register with your "mobile Party member activity card" or on the online platform, pay your Party dues on time and take part in the themed Party days.',
            'Many Hive stations have a Party members\' activity room, where the delivery workers of the "Party member vanguard posts" study and exchange ideas.',
        ),
    ),
    (
        'The "Fengqiao Experience" in the new era: small matters stay in the village, big matters stay in the town',
        "Resolving disputes at the grassroots, with delivery workers taking part.",
        (
            'The "Fengqiao Experience" began in Zhuji, Zhejiang; at its heart is relying on the people and resolving disputes where they arise.',
            "Workers in new employment groups travel every street and lane and know their communities well: they are good at spotting problems and passing on information.",
            'Taking part in community governance through Snap & Report and volunteering is the new-era "Fengqiao Experience" put into practice in the city.',
        ),
    ),
    (
        "Words in the report to the Party's 20th National Congress that concern you",
        '"Strengthen the protection of the rights and interests of workers in flexible employment and new forms of employment."',
        (
            "The report to the Party's 20th National Congress calls for improving the system that supports business start-ups as a driver of employment, and for supporting and regulating the development of new forms of employment.",
            "The report also calls for strengthening the protection of the rights and interests of workers in flexible employment and new forms of employment, and for improving labour laws and regulations.",
            'Put into practice, these words are the changes you can see: the occupational injury protection pilot, "taking the middle of the algorithm", and warm stations for new employment workers.',
        ),
    ),
    (
        "Party member vanguard posts: showing who you are in an ordinary job",
        "Wear the Party badge while taking orders, and be first to step forward when something happens.",
        (
            "Delivery workers who are Party members wear the Party badge at work and are at the front in emergency rescue, epidemic prevention and control, and flood prevention and relief.",
            "In everyday work, the Party member vanguard posts lead the way in riding with courtesy, in volunteering and in helping colleagues who are new to the job.",
            "Want to become a Party member vanguard post? Apply to your enterprise's Party organisation or your community Party organisation.",
        ),
    ),
    (
        "Five good habits for food delivery",
        "On time, polite, kept warm, checked, with a message.",
        (
            "When picking up, check the order and the number of items, and make sure dishes with soup or sauce are sealed.",
            "Carry the food in an insulated box, keep hot and cold apart, and secure drinks separately.",
            "Contact the customer a minute or two before you arrive, and on the phone start with the platform's name and your own.",
            "When you cannot hand it over in person, leave it where the customer asked, take a photo and leave a message, to avoid disputes.",
        ),
    ),
    (
        "Parcel delivery: how to avoid complaints",
        "Call, text, where to leave it: three steps to make everything clear.",
        (
            "Before delivering, call or text the recipient to confirm they are at home, or agree where to leave the parcel.",
            "If it is to go to a parcel station or locker, get the recipient's agreement first; never sign for it on their behalf without permission.",
            "Hand valuables and fresh produce over in person and ask the recipient to check them on the spot. If you receive an unreasonable complaint, keep your call records and photos and appeal through your company.",
        ),
    ),
    (
        "Ride-hailing etiquette: the first ten minutes after the passenger gets in",
        "Confirm the details, a safety reminder, talk about the route.",
        (
            "Once the passenger is in, first check the last digits of their phone number and the destination, and remind them to fasten their seat belt.",
            "Ask about the air-conditioning temperature and any route preference, and don't make or take calls unrelated to work during the trip.",
            "If a passenger is drunk or unwell, contact the platform's customer service promptly, and call 120 or 110 if necessary.",
        ),
    ),
    (
        "First aid: how to do CPR",
        "You may be the person closest to someone who needs help.",
        (
            "When you see someone collapse, first make sure the surroundings are safe, then tap their shoulders and shout loudly to check whether they are conscious and breathing.",
            "If they do not respond and are not breathing normally, call 120 at once and ask someone nearby to fetch an AED (automated external defibrillator) from close by.",
            "Chest compressions: place the heels of both hands one on top of the other in the centre of the chest, keep your arms straight, press 5 to 6 centimetres deep, at 100 to 120 compressions a minute.",
            "When the AED arrives, switch it on and follow its spoken instructions. Many metro stations, shopping centres and some Hive stations have an AED.",
        ),
    ),
    (
        "Guarding against phone and online fraud: lines that mean it's a scam",
        '"Fake orders for commission", "cancel your student loan", "customer service refund".',
        (
            'Any "part-time job" that has you fake orders, pay money upfront or pay a deposit first is a scam.',
            'Anyone who claims to be platform customer service, says your account is abnormal and must be "cancelled" or "unfrozen", and asks you to transfer money or give a verification code, is a scammer.',
            'Do not lend or rent out your bank card or SIM card; helping others to "run scores" or "withdraw cash" is a crime. If in doubt, call the 96110 anti-fraud hotline.',
        ),
    ),
)

# (title, summary) for each of learning_data.QUIZZES.
QUIZZES_EN: tuple[tuple[str, str], ...] = (
    ("Daily quiz", "5 questions every day, 1 point for each right answer."),
    ("Weekly quiz", "A set of 10 questions every week, points in proportion to the answers you get right."),
    ("Challenge round", "One question after another until the first wrong answer, 20 seconds for each question."),
    (
        "Special exam: e-bike safety",
        "10 questions on traffic and fire safety, 80 to pass, up to 3 attempts.",
    ),
)
