"""Name lists for the DEMO generator: people, associations, establishments, streets (all fake but plausible)."""
from __future__ import annotations

# Common French surnames (INSEE frequency order, roughly), accented spellings kept.
SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Rolland", "Leclercq", "Guillaume", "Lecomte", "Lopez",
    "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin", "Louis",
    "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet", "Adam",
    "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier", "Ménard",
    "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet", "Léger",
    "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain", "Breton",
    "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré", "Lebrun",
    "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard",
    "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva", "Bouchet",
    "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret", "Barthélemy",
    "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte", "Abélard",
    "Lebon", "Mouton", "Thibault", "Brunel", "Descamps", "Vaillant", "Riviere", "Gros", "Jacques", "Barre",
    "Rousset", "Poulet", "Hardy", "Bouquet", "Texier", "Lebreton", "Chrétien", "Navarro", "Camus", "Évrard",
    "Besnard", "Marchais", "Delmas", "Delattre", "Courtois", "Régnier", "Pons", "Ferrand", "Bourdon", "Tanguy",
    "Voisin", "Lemaitre", "Bouvet", "Leduc", "Ollivier", "Marin", "Chauvet", "Sauvage", "Bigot", "Hamel",
    "Verdier", "Lefranc", "Daviaud", "Cornu", "Fleuriot", "Pottier", "Bazin", "Grégoire", "Ferreira", "Dos Santos",
    "Rossi", "Bianchi", "Benali", "Haddad", "Bouzid", "Mansouri", "Nguyen", "Tran", "Diallo", "Traoré",
    "Cissé", "Belkacem", "Moreno", "Fabié", "Dalmasso", "Lagarde", "Castel", "Vial", "Bœuf", "Dumoulin",
    "Pierron", "Jourdain", "Thiébaut", "Bréchet", "Goujon", "Lhuillier", "Ravel", "Sabatier", "Vignaud", "Crépin",
)

# Extra surnames mixed in per région (Alsace-Moselle, Bretagne, Corse, overseas).
REGIONAL_SURNAMES = {
    "44": ("Muller", "Schmitt", "Meyer", "Weber", "Klein", "Schneider", "Fischer", "Wagner", "Becker", "Hoffmann",
           "Zimmermann", "Koch", "Keller", "Kieffer", "Wolff", "Schaeffer", "Huber", "Lang", "Bauer", "Kuntz",
           "Schwartz", "Walter", "Jung", "Frey", "Kessler", "Haag", "Gangloff", "Ehrhart", "Dietrich", "Stoll",
           "Roth", "Riedinger", "Hennequin", "Thiriet", "Colnot", "Didierjean", "Mangin", "Jacquot", "Georgel", "Gérardin"),
    "53": ("Le Gall", "Le Goff", "Le Roux", "Le Bihan", "Le Guen", "Tanguy", "Le Floch", "Le Corre", "Le Meur",
           "Morvan", "Guillou", "Le Cam", "Quéré", "Le Hénaff", "Kerjean", "Le Bris", "Prigent", "Cariou", "Jézéquel"),
    "94": ("Santoni", "Albertini", "Casanova", "Mattei", "Luciani", "Pietri", "Leca", "Poli", "Orsini", "Paoli",
           "Susini", "Colonna", "Franceschi", "Giacomoni", "Filippi", "Antonetti"),
    "01": ("Jean-Baptiste", "Marie-Sainte", "Romain", "Jean-Louis", "Bellance", "Zébina", "Alexis", "Cyrille",
           "Édouard", "Lubin", "Joseph", "Jean-Pierre", "Nicolas", "Bade", "Ramassamy"),
    "02": ("Marie-Sainte", "Jean-Baptiste", "Romain", "Bellance", "Zébina", "Alexis", "Cyrille", "Édouard",
           "Lubin", "Joseph", "Jean-Marie", "Rosier", "Numa", "Bélise"),
    "03": ("Joseph", "Alexis", "Jean-Baptiste", "Lubin", "Chow-Chine", "Bellony", "Constantin", "Édouard",
           "Horth", "Linguet", "Rimane"),
    "04": ("Payet", "Hoarau", "Grondin", "Fontaine", "Técher", "Rivière", "Lebreton", "Maillot", "Boyer",
           "Nativel", "Turpin", "Ramassamy", "Huet", "Dijoux", "Mussard", "Lauret"),
    "06": ("Ahamada", "Ali", "Said", "Madi", "Abdou", "Attoumani", "Mohamed", "Ousseni", "Soilihi", "Anli",
           "Houmadi", "Combo", "Bacar", "Chanfi"),
}
REGIONAL_SURNAME_SHARE = {"44": 0.35, "53": 0.35, "94": 0.45, "01": 0.5, "02": 0.5, "03": 0.4, "04": 0.5, "06": 0.75}

FEMALE_FIRST_NAMES = (
    "Marie", "Jeanne", "Françoise", "Monique", "Catherine", "Nathalie", "Isabelle", "Sylvie", "Martine",
    "Christine", "Nicole", "Anne", "Jacqueline", "Brigitte", "Chantal", "Annie", "Danielle", "Michèle", "Josiane",
    "Colette", "Odile", "Geneviève", "Bernadette", "Marie-Thérèse", "Marie-Claude", "Marie-Christine",
    "Marie-France", "Marie-Hélène", "Marie-Noëlle", "Anne-Marie", "Marie-José", "Hélène", "Élisabeth", "Évelyne",
    "Véronique", "Dominique", "Claudine", "Josette", "Ginette", "Huguette", "Paulette", "Yvette", "Renée",
    "Thérèse", "Mireille", "Solange", "Liliane", "Lucienne", "Denise", "Simone", "Régine", "Maryse", "Joëlle",
    "Pascale", "Valérie", "Sandrine", "Florence", "Corinne", "Laurence", "Béatrice", "Agnès", "Patricia",
    "Muriel", "Karine", "Céline", "Stéphanie", "Aurélie", "Émilie", "Élodie", "Anaïs", "Mélanie", "Noémie",
    "Gaëlle", "Maëlle", "Agathe", "Cécile", "Claire", "Sophie", "Ghislaine", "Marguerite", "Germaine", "Irène",
    "Lucie", "Rosine", "Fatima", "Malika", "Nadia", "Samia", "Zoé", "Marie-Laure", "Anne-Sophie", "Marie-Pierre",
    "Édith", "Gisèle", "Arlette", "Andrée", "Jocelyne", "Nadine", "Éliane", "Francine", "Annick", "Maïté",
)

MALE_FIRST_NAMES = (
    "Jean", "Pierre", "Michel", "André", "Philippe", "Alain", "Bernard", "Jacques", "Daniel", "Gérard", "Patrick",
    "Christian", "Claude", "Jean-Pierre", "Jean-Claude", "Jean-Michel", "Jean-Marie", "Jean-Luc", "Jean-François",
    "Jean-Paul", "Jean-Louis", "Jean-Jacques", "Dominique", "René", "Roger", "Robert", "Serge", "Marcel", "Guy",
    "Yves", "Francis", "Didier", "Gilles", "Pascal", "Thierry", "Éric", "Hervé", "Christophe", "Frédéric",
    "Laurent", "Olivier", "Stéphane", "Denis", "Bruno", "Joël", "Régis", "Maurice", "Lucien", "Raymond", "Henri",
    "Georges", "Louis", "Paul", "Hubert", "Rémi", "Noël", "Gaston", "François", "Marc", "Luc", "Franck", "Vincent",
    "Sébastien", "Nicolas", "Julien", "Mickaël", "Jérôme", "Cédric", "Fabrice", "Lionel", "Yannick", "Gaël",
    "Loïc", "Raphaël", "Benoît", "Jérémie", "Hugues", "Armand", "Émile", "Étienne", "Félix", "Léon", "Gabriel",
    "Mohamed", "Karim", "Ahmed", "Rachid", "Abdel", "Antoine", "Thibaut", "Grégoire", "Josselin", "Aimé",
    "Jean-Baptiste", "Pierre-Yves", "Jean-Yves", "Marc-Antoine", "Bertrand", "Maxime", "Alexis", "Romain",
)

# Associations agréées at national level (health system users).
NATIONAL_ASSOCIATIONS = (
    "UFC-Que Choisir", "UNAF", "Ligue contre le cancer", "France Alzheimer", "Fédération Française des Diabétiques",
    "APF France handicap", "UNAFAM", "France Rein", "AIDES", "Familles Rurales", "CLCV", "Générations Mouvement",
    "Union nationale des associations de familles de traumatisés crâniens et de cérébrolésés", "Le Lien",
    "Alliance du Cœur", "Vaincre la Mucoviscidose", "Association François Aupetit", "JALMALV", "France Parkinson",
    "FNATH", "Familles de France", "Confédération syndicale des familles", "AFM-Téléthon", "Autisme France",
    "Alcool Assistance", "Vie Libre", "La Croix Bleue", "SOS Hépatites", "Transhépate", "France AVC",
    "France Lymphome Espoir", "Europa Donna France", "Argos 2001", "Advocacy France", "ADMD",
    "Fédération des Aveugles et Amblyopes de France", "Unapei", "Trisomie 21 France", "Sésame Autisme",
    "Association française des hémophiles", "Fédération Française de Cardiologie", "Renaloo", "ANDAR",
    "Association des Paralysés de France", "Fédération nationale des associations de retraités",
    "Schizo Oui", "AVIAM", "Association Française des Sclérosés en Plaques", "E3M", "Fibromyalgie France",
)

# A few regional associations, so the Grand Est count lands near the 80 member associations of seed 001.
REGIONAL_ASSOCIATIONS = {
    "44": ("Association alsacienne des insuffisants rénaux", "Alsace Cardio", "Association lorraine des diabétiques",
           "Espoir Champagne-Ardenne", "ADAVIE Lorraine", "Association des accidentés de la vie – Grand Est",
           "Réseau Santé Mentale Vosges", "Aidants de Moselle", "Association champenoise des stomisés",
           "Lorraine Parkinson", "Entraide Psy Alsace", "Association des laryngectomisés de l'Est",
           "Ardennes Santé Solidarité", "Union des familles de Meurthe-et-Moselle", "Aube Diabète",
           "Association marnaise des insuffisants respiratoires"),
    "53": ("Association bretonne des usagers de la santé", "Entraide Cancer en Finistère"),
    "84": ("Association des usagers de la santé du Rhône", "Entraide Savoie Santé"),
    "11": ("Association francilienne des usagers de la santé", "Collectif Santé Paris Est"),
}

# Establishment names (mixed case; FINESS rs/rslongue are the upper-case forms).
SAINTS = (
    "Saint-Joseph", "Sainte-Anne", "Saint-Vincent", "Sainte-Marie", "Saint-Martin", "Saint-François", "Sainte-Thérèse",
    "Saint-Luc", "Saint-Jean", "Sainte-Barbe", "Saint-Michel", "Saint-Louis", "Saint-Augustin", "Sainte-Odile",
    "Saint-Rémi", "Saint-Côme", "Sainte-Clotilde", "Saint-Benoît", "Notre-Dame", "Sainte-Geneviève",
)
PLACE_NAMES = (
    "du Parc", "des Tilleuls", "des Lilas", "du Château", "des Cèdres", "des Peupliers", "du Lac", "des Sources",
    "de la Roseraie", "des Acacias", "du Val", "des Vignes", "de l'Europe", "du Pont", "des Marronniers", "du Bois",
    "de la Forêt", "des Charmilles", "du Mont", "des Orchidées", "de l'Orangerie", "des Coteaux", "du Moulin",
    "des Jardins", "de la Plaine", "des Hêtres", "du Belvédère", "des Chênes", "de la Colline", "Beau-Site",
)
EHPAD_NAMES = (
    "Les Tilleuls", "Les Lilas", "Le Clos des Vignes", "Les Charmilles", "La Roseraie", "Les Cèdres", "Le Parc",
    "Les Jardins d'Automne", "Les Hortensias", "La Maison du Lac", "Les Glycines", "Le Val Fleuri", "Les Oliviers",
    "Les Capucines", "Le Bois Joli", "Les Peupliers", "Résidence du Château", "Résidence Bellevue",
    "Résidence les Marronniers", "Les Myosotis", "L'Orée du Bois", "Les Magnolias", "La Source", "Le Soleil Levant",
    "Les Chênes", "Résidence Sainte-Anne", "Résidence Saint-Joseph", "Les Mimosas", "Les Écureuils", "Le Grand Pré",
    "Les Bruyères", "Les Aubépines", "La Clairière", "Les Coquelicots", "La Chênaie", "Les Primevères",
)
# A few real-looking names that need CSV quoting (`;` or `"` inside) in the FINESS extract.
QUOTED_NAMES = (
    'Centre hospitalier "Les Papillons blancs"',
    'Clinique "Le Belvédère"',
    "Clinique du Parc ; site de {commune}",
    'Maison de santé "Les Hirondelles"',
    "Centre de rééducation ; pôle {commune}",
)

STREET_TYPES = ("R", "R", "R", "AV", "AV", "BD", "PL", "RTE", "CHE", "ALL", "QUA", "IMP")
STREET_NAMES = (
    "DU GÉNÉRAL DE GAULLE", "DE LA RÉPUBLIQUE", "JEAN JAURÈS", "VICTOR HUGO", "PASTEUR", "DU MARÉCHAL FOCH",
    "DE LA GARE", "DE L'HÔPITAL", "DES ÉCOLES", "DU 8 MAI 1945", "GAMBETTA", "CLEMENCEAU", "DE PARIS",
    "DE STRASBOURG", "DU MOULIN", "DES TILLEULS", "DE LA LIBÉRATION", "ALBERT SCHWEITZER", "DU DOCTEUR SCHWEITZER",
    "ROBERT SCHUMAN", "DE VERDUN", "SAINT-MARTIN", "DES VIGNES", "DU CHÂTEAU", "ANATOLE FRANCE", "CARNOT",
    "DU PRÉSIDENT WILSON", "DE LA PAIX", "DES LILAS", "FRANÇOIS MITTERRAND", "DE LORRAINE", "DU PARC",
)
